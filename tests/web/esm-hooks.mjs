// Module hooks for the unit tests: the browser client's files (web/*.js) are
// ES modules, and no package.json says so (one in web/ would be served to
// browsers; one at the root would make Heroku and Railpack take the project
// for a Node app). Node 20.19+ detects their syntax by itself; older Node
// (18.19+, 20.6+) needs to be told, which these hooks do.

const WEB = new URL("../../web/", import.meta.url).href;

export async function load(url, context, nextLoad) {
  if (url.startsWith(WEB) && url.endsWith(".js")) return nextLoad(url, { ...context, format: "module" });
  return nextLoad(url, context);
}
