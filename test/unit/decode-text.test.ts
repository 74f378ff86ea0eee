import { expect } from "chai";
import { decodeText, UndecodableTextError } from "../../src/ingest/decode-text.js";

const PAGE = "决战决胜·脱贫攻坚\n贫困人口疫情防控做得好\n□记者 王尚磊 报道\n本报讯，疫情防控期间……“防疫知识”宣传到户。\n";

function utf16be(text: string): Buffer {
  const bytes = Buffer.from(text, "utf16le");
  for (let i = 0; i < bytes.length; i += 2) [bytes[i], bytes[i + 1]] = [bytes[i + 1]!, bytes[i]!];
  return bytes;
}

describe("decodeText", () => {
  it("reads UTF-8 with and without a BOM, dropping the BOM", () => {
    expect(decodeText(Buffer.from(PAGE))).to.deep.equal({ text: PAGE, encoding: "utf-8", replaced: 0 });
    expect(decodeText(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(PAGE)]))).to.deep.equal({ text: PAGE, encoding: "utf-8", replaced: 0 });
  });

  it("reads UTF-16 little- and big-endian by their BOM", () => {
    expect(decodeText(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(PAGE, "utf16le")]))).to.deep.equal({ text: PAGE, encoding: "utf-16le", replaced: 0 });
    expect(decodeText(Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(PAGE)]))).to.deep.equal({ text: PAGE, encoding: "utf-16be", replaced: 0 });
  });

  it("reads GB18030 and GBK, which UTF-8 could not (76% replacement characters before)", () => {
    const gbk = Buffer.from(new TextEncoderGb().encode(PAGE));
    expect(decodeText(gbk)).to.deep.equal({ text: PAGE, encoding: "gb18030", replaced: 0 });
  });

  it("keeps a damaged UTF-8 file UTF-8 (GB18030 would turn all of it into other characters) and counts the losses", () => {
    const bytes = Buffer.from(PAGE);
    bytes[PAGE.indexOf("疫") * 3 + 1] = 0x41; // one character's continuation byte broken
    const decoded = decodeText(bytes);
    expect(decoded.encoding).to.equal("utf-8");
    expect(decoded.replaced).to.be.within(1, 2);
    expect(decoded.text).to.include("贫困人口");
  });

  it("refuses binary data and bytes that no candidate decodes, saying what to do", () => {
    const binary = Buffer.concat([Buffer.from("PK"), Buffer.alloc(20), Buffer.from(PAGE)]);
    expect(() => decodeText(binary)).to.throw(UndecodableTextError, /binary data/);
    // 0x80 and 0xff are not text in UTF-8 nor in GB18030.
    const junk = Buffer.from(Array.from({ length: 4000 }, (_, i) => (i % 3 === 0 ? 0x80 : i % 3 === 1 ? 0xff : 0x41)));
    expect(() => decodeText(junk)).to.throw(UndecodableTextError, /do not decode/);
    try {
      decodeText(junk);
    } catch (error) {
      expect((error as UndecodableTextError).hint).to.match(/convert it to UTF-8/);
    }
  });
});

/** GB18030 bytes of a text, from ICU through TextDecoder in reverse (Node has no GB encoder): each character's two bytes are found by search. */
class TextEncoderGb {
  private static table: Map<string, number[]> | undefined;
  encode(text: string): number[] {
    const table = (TextEncoderGb.table ??= TextEncoderGb.build());
    return [...text].flatMap((character) => {
      if (character.charCodeAt(0) < 0x80) return [character.charCodeAt(0)];
      const bytes = table.get(character);
      if (!bytes) throw new Error(`no GBK code for ${character}`);
      return bytes;
    });
  }
  private static build(): Map<string, number[]> {
    const decoder = new TextDecoder("gb18030");
    const table = new Map<string, number[]>();
    for (let lead = 0x81; lead <= 0xfe; lead++) {
      for (let trail = 0x40; trail <= 0xfe; trail++) {
        if (trail === 0x7f) continue;
        const character = decoder.decode(new Uint8Array([lead, trail]));
        if (!table.has(character)) table.set(character, [lead, trail]);
      }
    }
    return table;
  }
}
