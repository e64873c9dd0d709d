// web/qr.js: the QR code of the join link. The matrices below come from
// python-qrcode 8.2 (byte mode, level M, the mask given, no quiet zone), an
// independent encoder: the page's must be the same, module for module.

import assert from "node:assert/strict";
import { test } from "node:test";

import { web } from "./web.mjs";

const { qrMatrix } = await web("qr.js");

// "HELLO WORLD", version 1, mask 0.
const HELLO_WORLD_MASK_0 = [
  "#######..##.#.#######",
  "#.....#.##..#.#.....#",
  "#.###.#.....#.#.###.#",
  "#.###.#...##..#.###.#",
  "#.###.#.##..#.#.###.#",
  "#.....#..#..#.#.....#",
  "#######.#.#.#.#######",
  "..........###........",
  "#.#.#.#..#.#....#..#.",
  "#.#..#...##...##...#.",
  "#...#.#####.##.######",
  "#.##...####.....#..#.",
  "#.##..###...#####.#..",
  "........####.#....##.",
  "#######...##...##.###",
  "#.....#..####..#....#",
  "#.###.#.####..#.#.#..",
  "#.###.#....#..###.##.",
  "#.###.#.#.#.#.#.#.#.#",
  "#.....#...##....#..#.",
  "#######.##.##.##..###",
];

// A LAN join link, version 3, mask 2.
const LAN_LINK = "http://192.0.2.10:8765/?room=ZEBNG";
const LAN_LINK_MASK_2 = [
  "#######...#..###.###..#######",
  "#.....#...#.######..#.#.....#",
  "#.###.#.#..#.#.#....#.#.###.#",
  "#.###.#.##..#.##.##.#.#.###.#",
  "#.###.#.##.#...###.#..#.###.#",
  "#.....#.#.#.#....#....#.....#",
  "#######.#.#.#.#.#.#.#.#######",
  "........#..##.#.#..##........",
  "#.#####...###....#..#.#####..",
  "..##.#.####..###...#.##.#...#",
  "....#.##.#.########.#.#.#....",
  "..#.#....##..#..#.#####.#..#.",
  "...#..###..#..##.#..##.#.##..",
  "##...#.........#####..#.#.#.#",
  ".#.##.##.###...#.#...#....#..",
  "##.#....#####.#.#....###...#.",
  "##..#.#..........#.###....#..",
  "#....#....##########.##.###.#",
  "#.##.#####..####.#....#..##..",
  "#.#.#..#.##.##.....#.##.#..#.",
  "#.###.##.####.##.#.######.###",
  "........##.##..######...#####",
  "#######.....#..##..##.#.###..",
  "#.....#.#..#..###...#...#..##",
  "#.###.#.##.#...#.##.########.",
  "#.###.#.####..####...#.#...##",
  "#.###.#.#....#.#......#.##.#.",
  "#.....#...##.#.....###.##..#.",
  "#######.#..#.#..#........##..",
];

const draw = (matrix) => matrix.map((row) => row.map((dark) => (dark ? "#" : ".")).join(""));

/** The 15 format bits as drawn beside the top-left finder, in the order qr.js writes them. */
function formatBits(m) {
  const at = [[8, 0], [8, 1], [8, 2], [8, 3], [8, 4], [8, 5], [8, 7], [8, 8], [7, 8], [5, 8], [4, 8], [3, 8], [2, 8], [1, 8], [0, 8]];
  return at.reduce((bits, [x, y], i) => bits | ((m[y][x] ? 1 : 0) << i), 0);
}

/** The same 15 bits, second copy (below the top-right and right of the bottom-left finder). */
function formatBitsCopy(m) {
  const size = m.length;
  let bits = 0;
  for (let i = 0; i < 8; i++) bits |= (m[8][size - 1 - i] ? 1 : 0) << i;
  for (let i = 8; i < 15; i++) bits |= (m[size - 15 + i][8] ? 1 : 0) << i;
  return bits;
}

/** A valid BCH(15,5) format word? The remainder of dividing by the generator is 0. */
function bchValid(word) {
  let rem = word;
  for (let i = 14; i >= 10; i--) if ((rem >>> i) & 1) rem ^= 0x537 << (i - 10);
  return rem === 0;
}

test("HELLO WORLD, version 1, mask 0, as python-qrcode draws it", () => {
  assert.deepEqual(draw(qrMatrix("HELLO WORLD", 0)), HELLO_WORLD_MASK_0);
});

test("a LAN join link, version 3, mask 2, as python-qrcode draws it", () => {
  assert.deepEqual(draw(qrMatrix(LAN_LINK, 2)), LAN_LINK_MASK_2);
});

test("the mask it picks is written in the format bits, at level M, twice", () => {
  for (const text of ["HELLO WORLD", LAN_LINK, "https://quiz.example.com/?room=" + "Z".repeat(100)]) {
    const m = qrMatrix(text);
    const word = formatBits(m) ^ 0x5412;
    assert.ok(bchValid(word), text);
    assert.equal(formatBitsCopy(m), formatBits(m), text);
    assert.equal(word >>> 13, 0b00, "error correction level M");
    const mask = (word >>> 10) & 7;
    assert.deepEqual(draw(m), draw(qrMatrix(text, mask)), text);
  }
});

test("the version grows with the text, up to 213 bytes (version 10)", () => {
  assert.equal(qrMatrix("x").length, 21);
  assert.equal(qrMatrix(LAN_LINK).length, 29);
  // Bytes of UTF-8 count, not characters: 180 bytes fill version 9 at level M.
  assert.equal(qrMatrix("é".repeat(90)).length, 53);
  assert.equal(qrMatrix("é".repeat(91)).length, 57);
  assert.equal(qrMatrix("y".repeat(213)).length, 57);
  assert.throws(() => qrMatrix("y".repeat(214)), RangeError);
});

test("finder patterns in three corners, timing patterns between them", () => {
  const m = qrMatrix(LAN_LINK);
  const size = m.length;
  const finder = ["#######", "#.....#", "#.###.#", "#.###.#", "#.###.#", "#.....#", "#######"];
  for (const [x0, y0] of [[0, 0], [size - 7, 0], [0, size - 7]]) {
    assert.deepEqual(draw(m.slice(y0, y0 + 7).map((row) => row.slice(x0, x0 + 7))), finder);
  }
  for (let i = 8; i < size - 8; i++) {
    assert.equal(m[6][i], i % 2 === 0);
    assert.equal(m[i][6], i % 2 === 0);
  }
  assert.equal(m[size - 8][8], true); // the dark module
});
