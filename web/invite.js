// The join link for a room. On a page opened as localhost the link would
// only work on this computer: the server's LAN address (from /config.json)
// goes in the link and the QR code instead.

import { loadConfig } from "./config.js";

export function isLoopbackHost() {
  const host = location.hostname;
  return host === "localhost" || host === "[::1]" || host === "::1" || host.startsWith("127.");
}

/** The invite link; `lanUrl` ("http://192.168.1.20:8000/") replaces a loopback origin. */
export function inviteLink(roomId, lanUrl) {
  const base = lanUrl && isLoopbackHost() ? new URL(location.pathname, lanUrl).href : `${location.origin}${location.pathname}`;
  return `${base}?room=${encodeURIComponent(roomId)}`;
}

/** Resolves to the LAN URL to use when this page is on localhost, else null. */
inviteLink.lan = isLoopbackHost() ? loadConfig().then((c) => c.lan_urls[0] || null) : null;
