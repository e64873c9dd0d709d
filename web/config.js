// The server's answers the page needs before the create form makes sense
// (GET /config.json): whether an LLM key is configured, the question bank's
// categories, and the server's LAN URLs for the invite on localhost.

const FALLBACK = { llm: false, categories: [], lan_urls: [] };
let loaded = null;

/** The configuration, fetched once; a failed fetch means no LLM and no LAN hint. */
export function loadConfig() {
  loaded ??= fetch("config.json", { cache: "no-store" })
    .then((r) => (r.ok ? r.json() : FALLBACK))
    .then((c) => ({
      llm: c.llm === true,
      categories: Array.isArray(c.categories) ? c.categories.filter((x) => x && typeof x.key === "string") : [],
      lan_urls: Array.isArray(c.lan_urls) ? c.lan_urls.filter((u) => typeof u === "string") : [],
    }))
    .catch(() => FALLBACK);
  return loaded;
}
