// web/csv.js: reading pasted or uploaded tables, writing the results file.

import assert from "node:assert/strict";
import { test } from "node:test";

import { web } from "./web.mjs";

const { csvCell, parseCsv, sniffDelimiter, toCsv } = await web("csv.js");

test("sniffDelimiter: tab, comma or semicolon, counted outside quotes", () => {
  assert.equal(sniffDelimiter("a\tb\tc\n1\t2\t3"), "\t");
  assert.equal(sniffDelimiter("a,b,c\n1,2,3"), ",");
  assert.equal(sniffDelimiter("a;b;c\n1;2;3"), ";");
  assert.equal(sniffDelimiter('"a;b;c;d",x,y\n1,2,3'), ",");
  assert.equal(sniffDelimiter("a\tb,c"), "\t"); // a tie goes to tab
  assert.equal(sniffDelimiter("plain"), ",");
});

test("parseCsv: quotes, doubled quotes, delimiters and new lines inside quotes, CRLF, BOM", () => {
  const text = '\ufeffq,a\r\n"Which, of these?","He said ""hi""\nthen left"\r\n\r\nlast,row';
  assert.deepEqual(parseCsv(text, ","), [["q", "a"], ["Which, of these?", 'He said "hi"\nthen left'], ["last", "row"]]);
});

test("parseCsv: blank lines are not rows; a final row without a line end counts", () => {
  assert.deepEqual(parseCsv("a;b\n \n;\nc;d", ";"), [["a", "b"], ["c", "d"]]);
  assert.deepEqual(parseCsv("", ","), []);
});

test("parseCsv: the delimiter is sniffed when not given", () => {
  assert.deepEqual(parseCsv("Q?\tA\tB\n"), [["Q?", "A", "B"]]);
});

test("csvCell: formulas defused, quoted when needed, numbers as they are", () => {
  assert.equal(csvCell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
  assert.equal(csvCell("+1"), "'+1");
  assert.equal(csvCell("-1"), "'-1");
  assert.equal(csvCell("@me"), "'@me");
  assert.equal(csvCell(-1), "-1");
  assert.equal(csvCell("a,b"), '"a,b"');
  assert.equal(csvCell("a;b"), '"a;b"');
  assert.equal(csvCell("line\nbreak"), '"line\nbreak"');
  assert.equal(csvCell(null), "");
  assert.equal(csvCell(undefined), "");
  assert.equal(csvCell("Zoë"), "Zoë");
});

test("toCsv: BOM, commas, CRLF; and it reads back", () => {
  const rows = [["Rank", "Name"], [1, "Ann, the first"], [2, '"Bo"']];
  const text = toCsv(rows);
  assert.equal(text, '\ufeffRank,Name\r\n1,"Ann, the first"\r\n2,"""Bo"""\r\n');
  assert.deepEqual(parseCsv(text, ","), [["Rank", "Name"], ["1", "Ann, the first"], ["2", '"Bo"']]);
});
