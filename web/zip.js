// A small ZIP writer and reader, for quiz bundles (web/bundle.js): no
// library, no build step.
//
// Writer: every entry "stored" (no compression: pictures and sound are
// compressed already), with its CRC-32, UTF-8 names (flag bit 11), a DOS
// date, and the central directory. No ZIP64: a bundle stays far below 4 GiB.
// Reader: stored entries, and deflated ones through DecompressionStream
// ("deflate-raw", in every current browser and Node 20) where the platform
// has it; sizes and offsets from the central directory (so entries written
// with a data descriptor read too); every CRC-32 checked; limits on the
// number of entries and on the bytes they inflate to (a zip bomb stops at
// the limit, not at the end of memory).
//
// Errors are ZipError with a `code` the page says in its own words:
//   not_zip      no end-of-central-directory record: not a zip file
//   corrupt      an offset, a size, a signature or a CRC-32 does not hold
//   unsupported  encrypted, ZIP64, split, or a compression other than
//                stored and deflate (or deflate where it cannot be inflated)
//   too_big      more entries, or more bytes once inflated, than allowed

export class ZipError extends Error {
  constructor(code, message) {
    super(message);
    this.name = "ZipError";
    this.code = code;
  }
}

// ------------------------------------------------------------------ CRC-32

let TABLE = null;
function crcTable() {
  if (TABLE) return TABLE;
  TABLE = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    TABLE[n] = c >>> 0;
  }
  return TABLE;
}

/** The CRC-32 (IEEE, as zip and gzip use it) of `bytes`, continuing `crc`. */
export function crc32(bytes, crc = 0) {
  const table = crcTable();
  let c = (crc ^ 0xffffffff) >>> 0;
  for (let i = 0; i < bytes.length; i++) c = table[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// ------------------------------------------------------------------ writing

const UTF8 = new TextEncoder();
const LOCAL_SIG = 0x04034b50;
const CENTRAL_SIG = 0x02014b50;
const END_SIG = 0x06054b50;
const FLAG_UTF8 = 0x0800;
const FLAG_ENCRYPTED = 0x0001;
const STORED = 0;
const DEFLATE = 8;
const MAX_32 = 0xffffffff;

function dosTime(date) {
  const d = date instanceof Date && !Number.isNaN(date.getTime()) ? date : new Date(1980, 0, 1);
  const year = Math.min(Math.max(d.getFullYear(), 1980), 2107);
  return {
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | (d.getSeconds() >> 1),
    date: ((year - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
  };
}

/** Bytes of a string (UTF-8) or of any buffer. */
function asBytes(data) {
  if (typeof data === "string") return UTF8.encode(data);
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw new TypeError("zip: an entry's data must be bytes or a string");
}

/**
 * A zip file of `entries` ([{name, data, date?}], data a string or bytes),
 * every entry stored. Names must be unique, relative, with "/" between
 * folders. Returns a Uint8Array.
 */
export function zipStore(entries, { date = new Date() } = {}) {
  const seen = new Set();
  const parts = [];
  const central = [];
  let offset = 0;
  for (const entry of entries) {
    const name = String(entry.name);
    if (!name || name.startsWith("/") || name.includes("\\") || name.split("/").includes("..")) {
      throw new TypeError(`zip: a bad entry name ${JSON.stringify(name)}`);
    }
    if (seen.has(name)) throw new TypeError(`zip: ${JSON.stringify(name)} twice`);
    seen.add(name);
    const nameBytes = UTF8.encode(name);
    const data = asBytes(entry.data);
    if (data.length >= MAX_32 || offset >= MAX_32) throw new ZipError("too_big", "zip: over 4 GiB (no ZIP64)");
    const crc = crc32(data);
    const { time, date: day } = dosTime(entry.date || date);

    const local = new DataView(new ArrayBuffer(30));
    local.setUint32(0, LOCAL_SIG, true);
    local.setUint16(4, 20, true); // version needed: 2.0
    local.setUint16(6, FLAG_UTF8, true);
    local.setUint16(8, STORED, true);
    local.setUint16(10, time, true);
    local.setUint16(12, day, true);
    local.setUint32(14, crc, true);
    local.setUint32(18, data.length, true);
    local.setUint32(22, data.length, true);
    local.setUint16(26, nameBytes.length, true);
    local.setUint16(28, 0, true);
    parts.push(new Uint8Array(local.buffer), nameBytes, data);

    const head = new DataView(new ArrayBuffer(46));
    head.setUint32(0, CENTRAL_SIG, true);
    head.setUint16(4, 0x0314, true); // made by: Unix, 2.0
    head.setUint16(6, 20, true);
    head.setUint16(8, FLAG_UTF8, true);
    head.setUint16(10, STORED, true);
    head.setUint16(12, time, true);
    head.setUint16(14, day, true);
    head.setUint32(16, crc, true);
    head.setUint32(20, data.length, true);
    head.setUint32(24, data.length, true);
    head.setUint16(28, nameBytes.length, true);
    // extra, comment, disk number, internal attributes: 0
    head.setUint32(38, (0o100644 << 16) >>> 0, true); // external: a regular file, rw-r--r--
    head.setUint32(42, offset, true);
    central.push(new Uint8Array(head.buffer), nameBytes);
    offset += 30 + nameBytes.length + data.length;
  }
  const centralSize = central.reduce((n, part) => n + part.length, 0);
  if (entries.length > 0xffff || offset + centralSize >= MAX_32) throw new ZipError("too_big", "zip: too large (no ZIP64)");
  const end = new DataView(new ArrayBuffer(22));
  end.setUint32(0, END_SIG, true);
  end.setUint16(8, entries.length, true);
  end.setUint16(10, entries.length, true);
  end.setUint32(12, centralSize, true);
  end.setUint32(16, offset, true);
  const all = [...parts, ...central, new Uint8Array(end.buffer)];
  const out = new Uint8Array(all.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of all) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

// ------------------------------------------------------------------ reading

/** Whether `bytes` start like a zip file (a local header, or an empty zip). */
export function looksLikeZip(bytes) {
  const b = asBytes(bytes);
  return b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && ((b[2] === 3 && b[3] === 4) || (b[2] === 5 && b[3] === 6));
}

const UTF8_STRICT = new TextDecoder("utf-8", { fatal: true });
const CP437 = (() => {
  // Names without the UTF-8 flag are in code page 437; its upper half.
  const high = "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0";
  return (bytes) => Array.from(bytes, (b) => (b < 128 ? String.fromCharCode(b) : high[b - 128])).join("");
})();

function decodeName(bytes, utf8Flag) {
  if (utf8Flag) {
    try {
      return UTF8_STRICT.decode(bytes);
    } catch {
      throw new ZipError("corrupt", "zip: a name is not UTF-8");
    }
  }
  return CP437(bytes);
}

/** Inflate raw deflate `data`, stopping past `limit` bytes. */
async function inflateRaw(data, limit) {
  if (typeof DecompressionStream !== "function") throw new ZipError("unsupported", "zip: this browser cannot inflate deflated entries");
  let stream;
  try {
    stream = new Blob([data]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
  } catch {
    throw new ZipError("unsupported", "zip: this browser cannot inflate deflated entries");
  }
  const reader = stream.getReader();
  const chunks = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > limit) {
        await reader.cancel().catch(() => {});
        throw new ZipError("too_big", "zip: an entry inflates past its size");
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof ZipError) throw error;
    throw new ZipError("corrupt", "zip: a deflated entry is damaged");
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

/**
 * The entries of a zip file: [{name, data}] in the central directory's
 * order, folders left out. `maxEntries` and `maxBytes` (the sum of every
 * entry once inflated) bound what a hostile file can make this do.
 */
export async function readZip(input, { maxEntries = 2000, maxBytes = 512 * 1024 * 1024 } = {}) {
  const bytes = asBytes(input);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // The end record: its signature within the last 22 + 65535 bytes (a comment may follow it).
  let end = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 0xffff); i--) {
    if (view.getUint32(i, true) === END_SIG && i + 22 + view.getUint16(i + 20, true) <= bytes.length) {
      end = i;
      break;
    }
  }
  if (end < 0) throw new ZipError("not_zip", "zip: no end of central directory");
  const disk = view.getUint16(end + 4, true);
  const centralDisk = view.getUint16(end + 6, true);
  const count = view.getUint16(end + 10, true);
  const centralSize = view.getUint32(end + 12, true);
  const centralAt = view.getUint32(end + 16, true);
  if (disk !== 0 || centralDisk !== 0 || count !== view.getUint16(end + 8, true)) throw new ZipError("unsupported", "zip: split over several files");
  if (count === 0xffff || centralSize === MAX_32 || centralAt === MAX_32) throw new ZipError("unsupported", "zip: ZIP64");
  if (count > maxEntries) throw new ZipError("too_big", `zip: ${count} entries`);
  if (centralAt + centralSize > end) throw new ZipError("corrupt", "zip: the central directory is out of the file");

  const entries = [];
  let total = 0;
  let at = centralAt;
  const names = new Set();
  for (let n = 0; n < count; n++) {
    if (at + 46 > end || view.getUint32(at, true) !== CENTRAL_SIG) throw new ZipError("corrupt", "zip: a bad central directory entry");
    const flags = view.getUint16(at + 8, true);
    const method = view.getUint16(at + 10, true);
    const crc = view.getUint32(at + 16, true);
    const packed = view.getUint32(at + 20, true);
    const size = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const localAt = view.getUint32(at + 42, true);
    if (at + 46 + nameLength > end) throw new ZipError("corrupt", "zip: a name runs out of the directory");
    const name = decodeName(bytes.subarray(at + 46, at + 46 + nameLength), flags & FLAG_UTF8);
    at += 46 + nameLength + extraLength + commentLength;
    if (flags & FLAG_ENCRYPTED) throw new ZipError("unsupported", "zip: encrypted");
    if (packed === MAX_32 || size === MAX_32 || localAt === MAX_32) throw new ZipError("unsupported", "zip: ZIP64");
    if (name.endsWith("/")) continue; // a folder
    if (method !== STORED && method !== DEFLATE) throw new ZipError("unsupported", `zip: compression method ${method}`);
    if (names.has(name)) throw new ZipError("corrupt", `zip: ${name} twice`);
    names.add(name);
    total += size;
    if (total > maxBytes) throw new ZipError("too_big", "zip: too many bytes once inflated");

    if (localAt + 30 > bytes.length || view.getUint32(localAt, true) !== LOCAL_SIG) throw new ZipError("corrupt", "zip: a bad local header");
    const dataAt = localAt + 30 + view.getUint16(localAt + 26, true) + view.getUint16(localAt + 28, true);
    if (dataAt + packed > bytes.length) throw new ZipError("corrupt", "zip: an entry runs out of the file");
    const raw = bytes.subarray(dataAt, dataAt + packed);
    let data;
    if (method === STORED) {
      if (packed !== size) throw new ZipError("corrupt", "zip: a stored entry's sizes differ");
      data = raw;
    } else {
      data = await inflateRaw(raw, size);
      if (data.length !== size) throw new ZipError("corrupt", "zip: an entry inflates to another size");
    }
    if (crc32(data) !== crc) throw new ZipError("corrupt", `zip: ${name} fails its CRC-32`);
    entries.push({ name, data });
  }
  return entries;
}
