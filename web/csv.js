// CSV in and out: RFC 4180 parsing (quotes, doubled quotes, new lines in
// quoted cells) and writing for spreadsheets (UTF-8 with a BOM so that Excel
// reads accents right, CRLF rows, cells that could start a formula defused).
//
// Hand-written rather than a library: the page has no build step and loads
// nothing from elsewhere (CSP default-src 'self'), and these are 60 lines.

/**
 * The delimiter a pasted or uploaded table most likely uses: tab, comma or
 * semicolon (Excel in many European locales), counted outside quotes over
 * the first lines. A tie goes to tab, then comma.
 */
export function sniffDelimiter(text) {
  const counts = { "\t": 0, ",": 0, ";": 0 };
  let quoted = false;
  let lines = 0;
  for (const c of String(text).slice(0, 4000)) {
    if (c === '"') quoted = !quoted;
    else if (!quoted && c in counts) counts[c] += 1;
    else if (!quoted && c === "\n" && ++lines >= 5) break;
  }
  let best = ",";
  for (const d of ["\t", ",", ";"]) if (counts[d] > counts[best] || (d === "\t" && counts[d] > 0 && counts[d] >= counts[best])) best = d;
  return best;
}

/** Rows of cells. Quoted cells may hold the delimiter, quotes ("") and new lines. */
export function parseCsv(text, delimiter = sniffDelimiter(text)) {
  const src = String(text).replace(/^\ufeff/, "");
  const rows = [];
  let row = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (quoted) {
      if (c === '"') {
        if (src[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else cell += c;
    } else if (c === '"' && cell === "") quoted = true;
    else if (c === delimiter) {
      row.push(cell);
      cell = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && src[i + 1] === "\n") i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
    } else cell += c;
  }
  if (cell !== "" || row.length) {
    row.push(cell);
    rows.push(row);
  }
  // Blank lines are not rows.
  return rows.filter((r) => r.some((c) => c.trim() !== ""));
}

// A cell starting with one of these is run as a formula by Excel, LibreOffice
// and Google Sheets (CSV injection): a player called "=HYPERLINK(...)" must
// stay text. A leading apostrophe is the spreadsheets' own "this is text".
const FORMULA_START = /^[=+\-@\t\r]/;

/** One cell as CSV text: formulas defused, quoted when it needs to be. */
export function csvCell(value) {
  let text = value === null || value === undefined ? "" : String(value);
  if (typeof value !== "number" && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n;]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A whole CSV file: BOM, comma-separated, CRLF line ends (what Excel expects). */
export function toCsv(rows) {
  return `\ufeff${rows.map((r) => r.map(csvCell).join(",")).join("\r\n")}\r\n`;
}
