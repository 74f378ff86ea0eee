import { expect } from "chai";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { isHeadingLike, matchAuthorLine, matchByline, repairPage } from "../../src/ingest/normalize.js";
import type { Paragraph } from "../../src/types.js";

const SEEDS = path.join(process.cwd(), "seeds");

const texts = (raw: string) => repairPage(raw).map((paragraph) => paragraph.text);

/** The page text each piece of a paragraph claims to come from, for pages that needed no recomposition. */
function sourcesOf(raw: string, paragraph: Paragraph): string[] {
  return paragraph.pieces.map((piece, index) => {
    const end = paragraph.pieces[index + 1]?.at ?? paragraph.text.length;
    return raw.slice(piece.offset, piece.offset + end - piece.at);
  });
}

function piecesText(paragraph: Paragraph): string[] {
  return paragraph.pieces.map((piece, index) => paragraph.text.slice(piece.at, paragraph.pieces[index + 1]?.at));
}

describe("repairPage", () => {
  describe("cleaning", () => {
    it("splits CRLF, CR and LF lines and numbers them as an editor does", () => {
      const paragraphs = repairPage("标题一\r\n\r\n正文第一段。\r第二段。\n第三段。");
      expect(paragraphs.map((p) => [p.text, p.lineStart, p.lineEnd])).to.deep.equal([
        ["标题一", 1, 1],
        ["正文第一段。", 3, 3],
        ["第二段。", 4, 4],
        ["第三段。", 5, 5],
      ]);
      expect(paragraphs[2]!.pieces).to.deep.equal([{ at: 0, offset: 14, line: 4 }]);
    });

    it("drops a BOM, and keeps offsets pointing into the raw text", () => {
      const [paragraph] = repairPage("\uFEFF本报讯 正文。");
      expect(paragraph!.text).to.equal("本报讯 正文。");
      expect(paragraph!.pieces).to.deep.equal([{ at: 0, offset: 1, line: 1 }]);
    });

    it("trims spaces, full-width indents and tabs around a line, and keeps inner spaces", () => {
      const [paragraph] = repairPage("\u3000\u3000服务企业出实招 按下发展“快进键”。 \t ");
      expect(paragraph!.text).to.equal("服务企业出实招 按下发展“快进键”。");
      expect(paragraph!.pieces[0]).to.deep.equal({ at: 0, offset: 2, line: 1 });
    });

    it("treats a line of white space as blank", () => {
      expect(texts("第一段。\n \u3000\t\n第二段。")).to.deep.equal(["第一段。", "第二段。"]);
    });

    it("removes control characters and starts a new piece after each", () => {
      const [paragraph] = repairPage("正\u0007文\u200b内容。");
      expect(paragraph!.text).to.equal("正文内容。");
      expect(paragraph!.pieces).to.deep.equal([
        { at: 0, offset: 0, line: 1 },
        { at: 1, offset: 2, line: 1 },
        { at: 2, offset: 4, line: 1 },
      ]);
    });

    it("replaces lone surrogates with U+FFFD without moving offsets", () => {
      const [paragraph] = repairPage("坏\uD800字。");
      expect(paragraph!.text).to.equal("坏\uFFFD字。");
      expect(paragraph!.pieces).to.deep.equal([{ at: 0, offset: 0, line: 1 }]);
    });

    it("composes decomposed characters (NFC) and maps around them", () => {
      const [paragraph] = repairPage("Cafe\u0301 开业。");
      expect(paragraph!.text).to.equal("Café 开业。");
      // é (text 3) is e + U+0301 (page 3–4); the space after it is text 4, page 5.
      expect(paragraph!.pieces).to.deep.equal([
        { at: 0, offset: 0, line: 1 },
        { at: 4, offset: 5, line: 1 },
      ]);
    });

    it("does not fold width or case", () => {
      expect(texts("ＡＢＣ（全角）与(半角)，COVID-19。")).to.deep.equal(["ＡＢＣ（全角）与(半角)，COVID-19。"]);
    });

    it("returns no paragraphs for an empty or blank page", () => {
      expect(repairPage("")).to.deep.equal([]);
      expect(repairPage("\n\r\n  \n")).to.deep.equal([]);
    });
  });

  describe("sentences broken across blank lines", () => {
    it("joins 防疫知 / 识 (a word split across the break) and keeps both pieces", () => {
      const raw = "当好防疫工作的“宣传员”\n\n和病毒赛跑,和时间赛跑,及时让百姓了解了权威的防疫知\n\n识,就会让更多家庭受益。";
      const paragraphs = repairPage(raw);
      expect(paragraphs.map((p) => p.text)).to.deep.equal([
        "当好防疫工作的“宣传员”",
        "和病毒赛跑,和时间赛跑,及时让百姓了解了权威的防疫知识,就会让更多家庭受益。",
      ]);
      const joined = paragraphs[1]!;
      expect([joined.lineStart, joined.lineEnd]).to.deep.equal([3, 5]);
      expect(joined.pieces.map((piece) => piece.line)).to.deep.equal([3, 5]);
      expect(sourcesOf(raw, joined)).to.deep.equal(piecesText(joined));
    });

    it("joins a long unpunctuated line to the next (…于3月22 / 日开展了…)", () => {
      const raw =
        "为贯彻落实省、市、区关于新冠肺炎疫情防控工作要求,切实保障全园师生的生命安全和身体健康,沙镇中心幼儿园于3月22\n\n日开展了春季开学模拟演练活动。";
      expect(texts(raw)).to.deep.equal([raw.replace("\n\n", "")]);
    });

    it("joins a one-word fragment that ends the sentence (…帮扶帮 / 扶。)", () => {
      const raw = "茌平恒信铝业有限公司给予振兴街道米庄村贫困户帮扶帮\n\n扶。\n\n茌平恒信铝业在贫困群众自愿的原则下,优先安排贫困户工作。";
      expect(texts(raw)).to.deep.equal([
        "茌平恒信铝业有限公司给予振兴街道米庄村贫困户帮扶帮扶。",
        "茌平恒信铝业在贫困群众自愿的原则下,优先安排贫困户工作。",
      ]);
    });

    it("joins a short line whose last word was cut (…脱贫攻坚档 / 案资料…)", () => {
      expect(texts("姚炳辉一行先后来到乐平铺镇实地查看了解脱贫攻坚档\n\n案资料规范化管理等情况。")).to.deep.equal([
        "姚炳辉一行先后来到乐平铺镇实地查看了解脱贫攻坚档案资料规范化管理等情况。",
      ]);
    });

    it("joins a short line that stops one word after a comma (…知识,提高 / 群众…)", () => {
      expect(texts("宣传防疫政策防护知识,提高\n\n群众自我保护能力,坚定广大干部群众战胜疫情的信心。")).to.deep.equal([
        "宣传防疫政策防护知识,提高群众自我保护能力,坚定广大干部群众战胜疫情的信心。",
      ]);
    });

    it("joins a line that starts with a list to the line it continues (…覆盖疫苗 / 生产、流通和…), not a numbered heading", () => {
      expect(texts("为积极推动建立覆盖疫苗\n\n生产、流通和预防接种全过程的信息化追溯体系,实现全部疫苗全过程可追溯。")).to.deep.equal([
        "为积极推动建立覆盖疫苗生产、流通和预防接种全过程的信息化追溯体系,实现全部疫苗全过程可追溯。",
      ]);
      expect(texts("各地落实防控措施\n\n二、强化社区防控网格化管理")).to.deep.equal(["各地落实防控措施", "二、强化社区防控网格化管理"]);
      expect(texts("会议强调。\n\n教育、卫生部门要加强协作。")).to.deep.equal(["会议强调。", "教育、卫生部门要加强协作。"]);
    });

    it("joins a line that starts with a mark no sentence opens with", () => {
      expect(texts("我们完全有信心做到疫情防控与恢复产能两不误\n\n。他说")).to.deep.equal(["我们完全有信心做到疫情防控与恢复产能两不误。他说"]);
      expect(texts("“孩子们的成绩越来越好。\n\n”面对记者,他笑着说。")).to.deep.equal(["“孩子们的成绩越来越好。”面对记者,他笑着说。"]);
    });

    it("joins a number split from its digits or its unit, without a space (200 / 9年, 19 / 日)", () => {
      expect(texts("尼玛一家原来靠酥油灯照明,自从200\n\n9年家里通电之后,生活变了样。")).to.deep.equal(["尼玛一家原来靠酥油灯照明,自从2009年家里通电之后,生活变了样。"]);
      expect(texts("国务院总理温家宝19\n\n日在中南海紫光阁会见了来访的客人。")).to.deep.equal(["国务院总理温家宝19日在中南海紫光阁会见了来访的客人。"]);
    });

    it("keeps a space between Latin words broken across lines", () => {
      const raw = "The county opened a testing centre, and the staff there work every day of the\n\nweek.";
      const [paragraph] = repairPage(raw);
      expect(paragraph!.text).to.equal("The county opened a testing centre, and the staff there work every day of the week.");
      expect(paragraph!.pieces.slice(1)).to.deep.equal([
        { at: 77, offset: 77, line: 1 },
        { at: 78, offset: 79, line: 3 },
      ]);
    });

    it("rejoins a sentence broken by a photo caption, and keeps the caption after it", () => {
      const raw = [
        "“我们缺乏口罩等防护用品,坊子区及时提供了1.8万只口罩,我们完全有信心做到疫情防控与恢复产能两不误。”新旭电子(潍坊)有限公司副",
        "",
        "",
        "",
        "坊子中顺机械科技有限公司生产车间内,一职工正在调试口罩机生产设备。",
        "",
        "总经理孟祥忠说。",
        "",
        "同时,坊子区积极对接上级有关部门。",
      ].join("\n");
      const paragraphs = repairPage(raw);
      expect(paragraphs.map((p) => [p.text, p.lineStart, p.lineEnd])).to.deep.equal([
        [
          "“我们缺乏口罩等防护用品,坊子区及时提供了1.8万只口罩,我们完全有信心做到疫情防控与恢复产能两不误。”新旭电子(潍坊)有限公司副总经理孟祥忠说。",
          1,
          7,
        ],
        ["坊子中顺机械科技有限公司生产车间内,一职工正在调试口罩机生产设备。", 5, 5],
        ["同时,坊子区积极对接上级有关部门。", 9, 9],
      ]);
      expect(sourcesOf(raw, paragraphs[0]!)).to.deep.equal(piecesText(paragraphs[0]!));
    });
  });

  describe("lines that must not be joined", () => {
    it("keeps a headline apart from the body under it", () => {
      expect(texts("聊城开发区电话回访为扶贫保驾护航\n\n近日,广平乡的贫困户和帮包干部陆续收到开发区社保处委派的第三方的回访电话。")).to.have.length(2);
    });

    it("keeps a headline with a comma apart from the body", () => {
      expect(texts("茌平区振兴街道:脱贫攻坚在路上,走访入户暖人心\n\n2020年3月中旬,振兴街道党工委副书记走访贫困户。")).to.have.length(2);
      expect(texts("【时代先锋】兰辉,从未离开\n\n年仅48岁的四川北川羌族自治县副县长兰辉今年5月因公殉职。")).to.have.length(2);
    });

    it("keeps a long headline without clauses apart from the body", () => {
      expect(texts("十八大举办记者招待会 四部委负责人介绍文化体制改革和公共文化服务体系建设情况\n\n央视网消息(新闻联播):十八大新闻中心今天举办中外记者招待会。")).to.have.length(2);
    });

    it("does not run a line that ends with a colon into the list under it", () => {
      expect(texts("会议确定了以下政策措施:\n\n(一)完善稳定房价工作责任制。")).to.have.length(2);
    });

    it("does not trust jieba's HMM when it glues characters across the break (办理工 / 为保障)", () => {
      expect(texts("临清唐园镇积极推进贫困人口慢性病办理工\n\n为保障贫困人口切实享受到基本医疗相关政策,近日,临清唐园镇持续发力。")).to.have.length(2);
    });

    it("keeps a kicker, the headline and a sub-headline on their own lines", () => {
      expect(
        texts("规模以上工业企业全部复工,复工电力指数达到93.4,坊子区——\n\n服务企业出实招 按下发展“快进键”\n\n——坊子区党员群众防疫一线见闻"),
      ).to.have.length(3);
    });

    it("keeps bylines, name lines and author lines on their own", () => {
      expect(texts("□记者 都镇强 报道\n\n本报潍坊讯 面对疫情带来的挑战,潍坊市坊子区扶贫系统用责任和爱心编出一张网。")).to.have.length(2);
      expect(texts("津文\n\n自中央文明办下发通知以来,北辰区迅速行动起来。")).to.have.length(2);
      expect(texts("随着雨季来临,扶贫办工作人员加强了雨季防范意识,连日阴雨和出现的强降水、雷暴大风,时刻牵动着\n\n(张广烈)")).to.have.length(2);
    });

    it("continues the body printed after a byline on the same line", () => {
      expect(
        texts("本报聊城7月30日讯(记者 王尚磊 通讯员 罗占) 随着群众健康需求的不断提高,全面提升全市疾控机构健康服务能力,努力\n\n提升聊城市城乡居民对疾控机构服务水平满意度。"),
      ).to.deep.equal(["本报聊城7月30日讯(记者 王尚磊 通讯员 罗占) 随着群众健康需求的不断提高,全面提升全市疾控机构健康服务能力,努力提升聊城市城乡居民对疾控机构服务水平满意度。"]);
    });

    it("does not run a cut-off line into a section head (…有针对性地开 / 开展“三宣传”)", () => {
      expect(
        texts("自中央文明办下发《关于在打赢疫情防控阻击战中有针对性地开\n\n开展“三宣传”\n\n宣传疫情防控各项政策措施和一线先进典型"),
      ).to.have.length(3);
    });

    it("does not join across a wide gap without a split word (a caption after a finished sentence)", () => {
      expect(texts("在助推全市疫情防控工作中起到了极大的促进作用。\n\n\n\n潘希强向市民发放新冠肺炎防控宣传彩页。\n\n当好防疫工作的“宣传员”")).to.have.length(3);
    });

    it("does not join a finished sentence to a fragment that lost its start (…。 / 困人口购买…)", () => {
      expect(texts("切实减轻贫困群众负担。\n\n困人口购买扶贫特惠保险,织密织牢贫困群众医疗“保障网”。")).to.have.length(2);
    });

    it("joins short unpunctuated lines on markdown pages, where headlines are marked", () => {
      const body = "本该幸福美满的人生却\n\n因十年前的一场车祸改变了这个家庭的命运,造成三级肢体残疾。";
      expect(texts(`## 扶贫公益岗 助残脱贫幸福路\n\n${body}`)).to.deep.equal([
        "## 扶贫公益岗 助残脱贫幸福路",
        "本该幸福美满的人生却因十年前的一场车祸改变了这个家庭的命运,造成三级肢体残疾。",
      ]);
      expect(texts(body)).to.have.length(2);
    });
  });

  describe("on the seed pages", () => {
    for (const file of readdirSync(SEEDS).filter((name) => name.endsWith(".txt") || name.endsWith(".md"))) {
      it(`${file}: every piece maps to the page characters on the line it names`, () => {
        const raw = readFileSync(path.join(SEEDS, file), "utf8");
        for (const paragraph of repairPage(raw)) {
          expect(sourcesOf(raw, paragraph)).to.deep.equal(piecesText(paragraph));
          for (const piece of paragraph.pieces) {
            expect(raw.slice(0, piece.offset).split("\n").length, `${file}: ${paragraph.text.slice(0, 10)}`).to.equal(piece.line);
          }
        }
      });
    }
  });
});

describe("line cues", () => {
  it("reads every byline form of the seed pages", () => {
    const cases: [string, string, string[], string][] = [
      ["□记者 都镇强 报道", "□记者 都镇强 报道", ["都镇强"], ""],
      ["□记者 都镇强 通讯员 刘华强 高亮 冯雯莉 报道", "□记者 都镇强 通讯员 刘华强 高亮 冯雯莉 报道", ["都镇强", "刘华强", "高亮", "冯雯莉"], ""],
      ["□本报记者 都镇强 本报通讯员 华强 宣龙 雯莉", "□本报记者 都镇强 本报通讯员 华强 宣龙 雯莉", ["都镇强", "华强", "宣龙", "雯莉"], ""],
      ["齐鲁晚报·齐鲁壹点 记者 王尚磊", "齐鲁晚报·齐鲁壹点 记者 王尚磊", ["王尚磊"], ""],
      ["□记者 都镇强 通讯员 方石 报道 本报潍坊讯 近日,省委党史研究院公布了结果。", "□记者 都镇强 通讯员 方石 报道", ["都镇强", "方石"], "本报潍坊讯 近日,省委党史研究院公布了结果。"],
      ["本报讯(周钊梁 梁敏婷)“口罩来得太及时了。”", "本报讯(周钊梁 梁敏婷)", ["周钊梁", "梁敏婷"], "“口罩来得太及时了。”"],
      ["本报聊城7月30日讯(记者 王尚磊 通讯员 罗占) 随着群众健康需求的不断提高。", "本报聊城7月30日讯(记者 王尚磊 通讯员 罗占)", ["王尚磊", "罗占"], "随着群众健康需求的不断提高。"],
      ["本报讯（记者 王尚磊）全角括号。", "本报讯（记者 王尚磊）", ["王尚磊"], "全角括号。"],
    ];
    for (const [line, text, names, rest] of cases) expect(matchByline(line), line).to.deep.equal({ text, names, rest });
  });

  it("does not take body text for a byline", () => {
    expect(matchByline("记者注意到,坊子区各街道组织包村干部。")).to.equal(undefined);
    expect(matchByline("本报潍坊讯 面对疫情带来的挑战。")).to.equal(undefined);
    expect(matchByline("记者看到,施工人员全部进行体温检测。")).to.equal(undefined);
  });

  it("reads author lines and nothing else", () => {
    expect(matchAuthorLine("(张广烈)")).to.deep.equal(["张广烈"]);
    expect(matchAuthorLine("(张红 王金娟)")).to.deep.equal(["张红", "王金娟"]);
    expect(matchAuthorLine("（本报记者 张慧）")).to.deep.equal(["张慧"]);
    expect(matchAuthorLine("(含50元)")).to.equal(undefined);
    expect(matchAuthorLine("(续)")).to.equal(undefined);
  });

  it("tells headline-shaped lines from body lines", () => {
    expect(isHeadingLike("聊城开发区广平乡:残疾人贫困户惠残政策落实“大调查”")).to.equal(true);
    expect(isHeadingLike("——坊子区党员群众防疫一线见闻")).to.equal(true);
    expect(isHeadingLike("规模以上工业企业全部复工,复工电力指数达到93.4,坊子区——")).to.equal(true);
    expect(isHeadingLike("潘希强向市民发放新冠肺炎防控宣传彩页。")).to.equal(false);
    expect(isHeadingLike("“这些是我应该做的。”")).to.equal(false);
    expect(isHeadingLike("争做群众心理疏导员。发挥心")).to.equal(false);
  });
});
