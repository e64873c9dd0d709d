// Screen reader announcements through the polite live region in index.html.
// (Regions that change in place carry their own aria-live attributes; this is
// for news that comes with a whole new screen, where a fresh region would not
// be read.)

let region = null;
let timer = null;

export function announce(text) {
  region ??= document.getElementById("announcer");
  if (!region || !text) return;
  clearTimeout(timer);
  // Clear first so that the same sentence twice is read twice.
  region.textContent = "";
  timer = setTimeout(() => {
    region.textContent = text;
  }, 60);
}
