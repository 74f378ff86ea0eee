import { expect } from "chai";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { repairPage } from "../../src/ingest/normalize.js";
import { splitArticles } from "../../src/ingest/split-articles.js";
import type { Article } from "../../src/types.js";

const SEEDS = path.join(process.cwd(), "seeds");
const GOLDEN = path.join(process.cwd(), "test", "golden");

const split = (page: string, file = "page.txt") => splitArticles(repairPage(page), file);
const page = (...lines: string[]) => lines.join("\n\n");

describe("splitArticles", () => {
  describe("bylines", () => {
    it("reads □记者 … 报道 and keeps the dateline that follows on the same line in the body", () => {
      const [article] = split(
        page(
          "坊子区",
          "获4项党史史志奖项",
          "□记者 都镇强 通讯员 方石 报道 本报潍坊讯 近日,省委党史研究院(省地方史志研究院)公布了评审结果。",
          "坊子区共有4项成果获奖。",
        ),
      );
      expect(article).to.deep.include({
        title: "坊子区 获4项党史史志奖项",
        byline: "□记者 都镇强 通讯员 方石 报道",
        authors: ["都镇强", "方石"],
        body: "本报潍坊讯 近日,省委党史研究院(省地方史志研究院)公布了评审结果。\n坊子区共有4项成果获奖。",
        lineStart: 1,
        lineEnd: 7,
      });
    });

    it("reads □本报记者 … 本报通讯员 … without 报道", () => {
      const [article] = split(page("一手抓防疫 一手抓扶贫", "□本报记者 宋学宝 都镇强 本报通讯员 刘华强 吕宣龙", "发出动员令,吹响冲锋号!"));
      expect(article!.authors).to.deep.equal(["宋学宝", "都镇强", "刘华强", "吕宣龙"]);
      expect(article!.body).to.equal("发出动员令,吹响冲锋号!");
    });

    it("reads an outlet byline (齐鲁晚报·齐鲁壹点 记者 王尚磊)", () => {
      const [article] = split(page("他用奉献和担当筑牢科普宣传防控网", "齐鲁晚报·齐鲁壹点 记者 王尚磊", "他是防疫战线中的幕后工作者。"));
      expect(article).to.deep.include({ byline: "齐鲁晚报·齐鲁壹点 记者 王尚磊", authors: ["王尚磊"], body: "他是防疫战线中的幕后工作者。" });
    });

    it("reads 本报讯(…) with the body on the same line", () => {
      const [article] = split(page("广东佛山南海区慰问援鄂医护人员家属", "本报讯(周钊梁 梁敏婷)“口罩来得太及时了,谢谢组织的关心……”"));
      expect(article).to.deep.include({ byline: "本报讯(周钊梁 梁敏婷)", authors: ["周钊梁", "梁敏婷"], body: "“口罩来得太及时了,谢谢组织的关心……”" });
      expect(article).not.to.have.property("date");
    });

    it("takes the date from a dateline only when it states the year", () => {
      const [withoutYear] = split(page("聊城市疾控中心启动专项行动", "本报聊城7月30日讯(记者 王尚磊 通讯员 罗占) 随着群众健康需求的不断提高。"));
      expect(withoutYear).not.to.have.property("date");
      expect(withoutYear!.byline).to.equal("本报聊城7月30日讯(记者 王尚磊 通讯员 罗占)");
      const [withYear] = split(page("北京部署文明城市工作", "本报北京2020年3月5日讯(记者 张三) 会议强调,要提高思想认识。"));
      expect(withYear!.date).to.equal("2020-03-05");
      const [inBody] = split(page("北京部署文明城市工作", "□记者 张三 报道", "本报北京2020年3月5日讯 会议强调,要提高思想认识。"));
      expect(inBody!.date).to.equal("2020-03-05");
      const [eventDate] = split(page("观摩组走进茌平乐平铺镇", "2020年3月25日,聊城市脱贫攻坚档案管理工作现场观摩组走进乐平铺镇。"));
      expect(eventDate).not.to.have.property("date");
    });

    it("keeps an article whose dateline names no real day (a typo), undated; a leap day is a real day", () => {
      for (const day of ["2021年2月29日", "2020年2月30日", "2020年13月5日", "2020年4月31日", "2020年3月0日"]) {
        const [article] = split(page("北京部署文明城市工作", `本报北京${day}讯(记者 张三) 会议强调,要提高思想认识。`));
        expect(article, day).to.include({ title: "北京部署文明城市工作" });
        expect(article, day).not.to.have.property("date");
        expect(article!.body, day).to.include("会议强调");
      }
      const [leap] = split(page("北京部署文明城市工作", "本报北京2020年2月29日讯(记者 张三) 会议强调,要提高思想认识。"));
      expect(leap!.date).to.equal("2020-02-29");
    });

    it("takes a line of names between headline and body as the byline (津文)", () => {
      const [article] = split(["天津市", "北辰区充分发挥精神文明建设", "在疫情防控中的作用", "", "津文", "", "自中央文明办下发通知以来,北辰区迅速行动。"].join("\n"));
      expect(article).to.deep.include({
        title: "天津市 北辰区充分发挥精神文明建设 在疫情防控中的作用",
        byline: "津文",
        authors: ["津文"],
        body: "自中央文明办下发通知以来,北辰区迅速行动。",
      });
    });
  });

  describe("article boundaries", () => {
    it("closes an article at its author line and starts the next at the following headline", () => {
      const articles = split(
        page(
          "东昌府区沙镇中心幼儿园举行开学疫情防控演练",
          "沙镇中心幼儿园于3月22日开展了春季开学模拟演练活动。",
          "(张红 王金娟)",
          "聊城开发区广平乡春耕中的贫困户身影",
          "“大娘,家里锁着门,你去哪里了?”",
        ),
      );
      expect(articles.map((a) => [a.title, a.authors, a.lineStart, a.lineEnd, a.body])).to.deep.equal([
        ["东昌府区沙镇中心幼儿园举行开学疫情防控演练", ["张红", "王金娟"], 1, 5, "沙镇中心幼儿园于3月22日开展了春季开学模拟演练活动。"],
        ["聊城开发区广平乡春耕中的贫困户身影", [], 7, 9, "“大娘,家里锁着门,你去哪里了?”"],
      ]);
    });

    it("starts an article at every headline on a page of briefs", () => {
      const articles = split(
        page("聊城开发区电话回访为扶贫保驾护航", "近日,广平乡的贫困户陆续收到回访电话。", "聊城开发区蒋官屯街道抗击疫情不忘扶贫", "面对来势汹汹的疫情,蒋官屯扶贫干部坚持抗“疫”与扶贫同步推进。"),
      );
      expect(articles.map((a) => a.title)).to.deep.equal(["聊城开发区电话回访为扶贫保驾护航", "聊城开发区蒋官屯街道抗击疫情不忘扶贫"]);
    });

    it("keeps section heads of a bylined feature in its body, and ends the feature at the next byline", () => {
      const articles = split(
        page(
          "服务企业出实招 按下发展“快进键”",
          "□本报记者 都镇强 本报通讯员 华强 宣龙 雯莉",
          "疫情防控就是命令,复工复产同样迫在眉睫。",
          "出政策见行动",
          "精准服务加速复工复产",
          "复工复产以来,坊子区出政策、优服务。",
          "那一抹亮眼的“志愿红”",
          "——坊子区党员群众防疫一线见闻",
          "□本报记者 都镇强 本报通讯员 华强 停停 雯莉",
          "“没事不要外出,出门戴口罩,回家勤洗手。”",
        ),
      );
      expect(articles.map((a) => [a.title, a.lineStart, a.lineEnd])).to.deep.equal([
        ["服务企业出实招 按下发展“快进键”", 1, 11],
        ["那一抹亮眼的“志愿红”——坊子区党员群众防疫一线见闻", 13, 19],
      ]);
      expect(articles[0]!.body).to.equal("疫情防控就是命令,复工复产同样迫在眉睫。\n出政策见行动\n精准服务加速复工复产\n复工复产以来,坊子区出政策、优服务。");
    });

    it("starts a brief after a bylined feature when the brief ends with an author line", () => {
      const articles = split(
        page(
          "他用奉献和担当筑牢科普宣传防控网",
          "齐鲁晚报·齐鲁壹点 记者 王尚磊",
          "他是防疫战线中的幕后工作者。",
          "当好防疫工作的“示范员”",
          "坚持线上科普和线下科普一起抓。",
          "东昌府区沙镇中心幼儿园举行开学疫情防控演练",
          "沙镇中心幼儿园开展了春季开学模拟演练活动。",
          "(张红 王金娟)",
        ),
      );
      expect(articles.map((a) => [a.title, a.authors])).to.deep.equal([
        ["他用奉献和担当筑牢科普宣传防控网", ["王尚磊"]],
        ["东昌府区沙镇中心幼儿园举行开学疫情防控演练", ["张红", "王金娟"]],
      ]);
      expect(articles[0]!.body).to.include("当好防疫工作的“示范员”");
    });

    it("joins a kicker to its headline with the dash and no space", () => {
      const [article] = split(page("聊城基层一线“科协人”的战“疫”时刻——", "他用奉献和担当筑牢科普宣传防控网", "齐鲁晚报·齐鲁壹点 记者 王尚磊", "他是防疫战线中的幕后工作者。"));
      expect(article!.title).to.equal("聊城基层一线“科协人”的战“疫”时刻——他用奉献和担当筑牢科普宣传防控网");
    });

    it("keeps a photo caption in the body and never starts an article at it", () => {
      const articles = split(
        ["他用奉献和担当筑牢科普宣传防控网", "", "齐鲁晚报·齐鲁壹点 记者 王尚磊", "", "当好防疫工作的“宣传员”", "", "在助推全市疫情防控工作中起到了极大的促进作用。", "", "", "", "潘希强向市民发放新冠肺炎防控宣传彩页。", "", "当好防疫工作的“示范员”", "", "坚持线上科普和线下科普一起抓。"].join("\n"),
      );
      expect(articles).to.have.length(1);
      expect(articles[0]!.body).to.include("潘希强向市民发放新冠肺炎防控宣传彩页。");
    });

    it("makes a standalone photo item, set off between articles, an article of its own", () => {
      const articles = split(
        [
          "安吉县深入推进垃圾分类工作",
          "",
          "本报讯(朱欢)自去年以来,安吉县全面铺开垃圾分类工作。",
          "",
          "",
          "",
          "近期,沛溪村加强了光伏组件的保养护理。图为3月8日,村民在为光伏组件进行除尘。刘丽强摄",
          "",
          "太原市万柏林区部署创建全国文明城市工作",
          "",
          "本报讯(梁晋杰 杨丽华)3月5日,万柏林区召开会议。",
        ].join("\n"),
      );
      expect(articles.map((a) => [a.title, a.authors, a.lineStart, a.lineEnd])).to.deep.equal([
        ["安吉县深入推进垃圾分类工作", ["朱欢"], 1, 3],
        ["(图)近期,沛溪村加强了光伏组件的保养护理", ["刘丽强"], 7, 7],
        ["太原市万柏林区部署创建全国文明城市工作", ["梁晋杰", "杨丽华"], 9, 11],
      ]);
    });

    it("drops a column banner stacked above a headline", () => {
      const [article] = split(page("决战决胜·脱贫攻坚", "聊城在行动", "聊城茌平区强化行业扶贫政策精准落实", "今年以来,聊城市茌平区树立行业扶贫政策“问题整改清零”的目标。"));
      expect(article).to.deep.include({ title: "聊城茌平区强化行业扶贫政策精准落实", lineStart: 5, lineEnd: 7 });
    });

    it("gives a page that starts mid-article a (续) article titled by its first sentence", () => {
      const articles = split(
        page("务工需求进行全面摸排,引导贫困劳动力有序返岗和外出务工。", "(张三)", "聊城开发区做好贫困学生控辍保学工作", "今年以来,聊城开发区分类制定落实义务教育控辍保学措施。"),
        "sub/005_x.txt",
      );
      expect(articles.map((a) => [a.id, a.title, a.authors, a.lineStart, a.lineEnd])).to.deep.equal([
        ["sub_005_x-01", "(续)务工需求进行全面摸排,引导贫困劳动力有序返岗和外…", ["张三"], 1, 3],
        ["sub_005_x-02", "聊城开发区做好贫困学生控辍保学工作", [], 5, 7],
      ]);
      expect(articles[0]).to.deep.include({ source: "sub/005_x.txt", file: "sub/005_x.txt" });
    });

    it("does not take short lines before an author line for a headline", () => {
      const articles = split(page("临清青年办事处扎实提升扶贫工作水平", "为确保全面高标准完成精准扶贫工作任务,临清青年办事处召开培训会议。", "要求各帮扶责任人要切实", "(李红艳)"));
      expect(articles).to.have.length(1);
      expect(articles[0]!.body.endsWith("要求各帮扶责任人要切实")).to.equal(true);
    });

    it("opens an untitled article at a byline that has no headline above it", () => {
      const articles = split(page("他是防疫战线中的幕后工作者。", "(张三)", "本报讯(胡文)在全民战役的关键时刻,开福区各级身边好人奋战在防疫一线。"));
      expect(articles.map((a) => [a.title, a.byline ?? "", a.authors, a.body])).to.deep.equal([
        ["(续)他是防疫战线中的幕后工作者", "", ["张三"], "他是防疫战线中的幕后工作者。"],
        ["在全民战役的关键时刻,开福区各级身边好人奋战在防…", "本报讯(胡文)", ["胡文"], "在全民战役的关键时刻,开福区各级身边好人奋战在防疫一线。"],
      ]);
    });

    it("returns no articles for an empty page", () => {
      expect(split("")).to.deep.equal([]);
    });
  });

  describe("markdown pages", () => {
    it("starts an article at each ## heading and leaves the # page banner out", () => {
      const articles = split(
        ["# 决战决胜·脱贫攻坚——聊城在行动", "", "## 莘县张寨镇:光伏发电助力脱贫攻坚", "", "走进莘县张寨镇前王庄村。", "", "(冯社广)", "", "## 莘县张寨镇:实现党建扶贫“双提升”", "", "近年来,三合村坚持以基层党建为引领。"].join("\n"),
        "004.md",
      );
      expect(articles.map((a) => [a.id, a.title, a.authors, a.lineStart, a.lineEnd, a.body])).to.deep.equal([
        ["004-01", "莘县张寨镇:光伏发电助力脱贫攻坚", ["冯社广"], 3, 7, "走进莘县张寨镇前王庄村。"],
        ["004-02", "莘县张寨镇:实现党建扶贫“双提升”", [], 9, 11, "近年来,三合村坚持以基层党建为引领。"],
      ]);
    });

    it("takes # headings as articles when a page has no ## ones, and keeps deeper headings as body", () => {
      const articles = split(["# 标题一", "", "### 小标题", "", "正文。"].join("\n"), "a.md");
      expect(articles.map((a) => [a.title, a.body])).to.deep.equal([["标题一", "小标题\n正文。"]]);
    });

    it("does not take short unpunctuated lines for headlines", () => {
      const articles = split(["## 聊城高新区许营镇:爱心小路铺到群众心田", "", "为深入推进脱贫攻坚规范提升。", "", "走进贫困户家里", "", "处处都是干净整洁的院落。"].join("\n"), "a.md");
      expect(articles).to.have.length(1);
    });
  });
});

/** What a golden file records of an article: its identity, where it is, and how its body begins and ends. */
interface Expected {
  id: string;
  title: string;
  byline?: string;
  authors: string[];
  lineStart: number;
  lineEnd: number;
  date?: string;
  bodyStartsWith: string;
  bodyEndsWith: string;
  /** Hand-picked passages (mostly rejoined broken lines) that must be in the body, or must not be. */
  bodyContains?: string[];
  bodyExcludes?: string[];
}

const EDGE = 12;

function observe(article: Article, expected: Expected | undefined): Expected {
  const start = expected?.bodyStartsWith.length ?? EDGE;
  const end = expected?.bodyEndsWith.length ?? EDGE;
  return {
    id: article.id,
    title: article.title,
    ...(article.byline === undefined ? {} : { byline: article.byline }),
    authors: article.authors,
    lineStart: article.lineStart,
    lineEnd: article.lineEnd,
    ...(article.date === undefined ? {} : { date: article.date }),
    bodyStartsWith: article.body.slice(0, start),
    bodyEndsWith: article.body.slice(-end),
    ...(expected?.bodyContains ? { bodyContains: expected.bodyContains } : {}),
    ...(expected?.bodyExcludes ? { bodyExcludes: expected.bodyExcludes } : {}),
  };
}

// The golden files were written by reading each page, not from this code's output. UPDATE_GOLDEN=1
// rewrites the observed fields (keeping the hand-picked passages) so that a change shows as a diff to
// review line by line before it is committed.
describe("golden seed pages", () => {
  for (const file of readdirSync(SEEDS).filter((name) => name.endsWith(".txt") || name.endsWith(".md"))) {
    it(`${file} splits into the articles a reader lists`, () => {
      const articles = splitArticles(repairPage(readFileSync(path.join(SEEDS, file), "utf8")), file);
      const goldenFile = path.join(GOLDEN, `${file}.json`);
      const golden: Expected[] = existsSync(goldenFile) ? (JSON.parse(readFileSync(goldenFile, "utf8")) as Expected[]) : [];
      const observed = articles.map((article) => observe(article, golden.find((expected) => expected.id === article.id)));
      if (process.env.UPDATE_GOLDEN === "1") writeFileSync(goldenFile, `${JSON.stringify(observed, null, 2)}\n`);
      else {
        expect(existsSync(goldenFile), `no golden file for ${file}: write ${goldenFile} by reading the page`).to.equal(true);
        expect(observed).to.deep.equal(golden);
      }
      for (const [index, expected] of golden.entries()) {
        const body = articles[index]?.body ?? "";
        for (const passage of expected.bodyContains ?? []) expect(body, `${expected.id} body`).to.include(passage);
        for (const passage of expected.bodyExcludes ?? []) expect(body, `${expected.id} body`).not.to.include(passage);
      }
    });
  }

  it("rejoins 防疫知 / 识 in the first article of 000", () => {
    const file = "000_74dd44bdc35d0dd1.txt";
    const articles = splitArticles(repairPage(readFileSync(path.join(SEEDS, file), "utf8")), file);
    const withPhrase = articles.filter((article) => article.body.includes("防疫知识"));
    expect(withPhrase.map((article) => article.id)).to.include("000_74dd44bdc35d0dd1-01");
    expect(articles[0]!.body).to.include("了解了权威的防疫知识,就会让更多家庭受益");
    expect(articles[0]!.body).not.to.include("防疫知\n识");
  });

  /** The 1-based file line of body offset `at`, from Article.bodyLines. */
  const lineOf = (article: Article, at: number): number => {
    const pairs = article.bodyLines ?? [];
    let line = article.lineStart;
    for (let i = 0; i < pairs.length && pairs[i]! <= at; i += 2) line = pairs[i + 1]!;
    return line;
  };

  it("cites the file line of every piece of every body (bodyLines), on all five pages", () => {
    for (const file of readdirSync(SEEDS).filter((name) => name.endsWith(".txt"))) {
      const lines = readFileSync(path.join(SEEDS, file), "utf8").split("\n");
      for (const article of splitArticles(repairPage(readFileSync(path.join(SEEDS, file), "utf8")), file)) {
        const pairs = article.bodyLines ?? [];
        expect(pairs.length, `${article.id} has a line map`).to.be.greaterThan(0);
        for (let i = 0; i < pairs.length; i += 2) {
          const end = i + 2 < pairs.length ? pairs[i + 2]! : article.body.length;
          const piece = article.body.slice(pairs[i], end).split("\n")[0]!.slice(0, 12);
          expect(pairs[i + 1], `${article.id} line of "${piece}"`).to.be.within(article.lineStart, article.lineEnd);
          if (piece.trim() !== "") expect(lines[pairs[i + 1]! - 1], `${article.id} @${pairs[i]}`).to.include(piece);
        }
      }
    }
  });

  it("cites 防疫知识 in 000 at line 25, where the broken word starts, and the text after the break at 27", () => {
    const file = "000_74dd44bdc35d0dd1.txt";
    const article = splitArticles(repairPage(readFileSync(path.join(SEEDS, file), "utf8")), file)[0]!;
    const at = article.body.indexOf("防疫知识");
    expect(lineOf(article, at)).to.equal(25);
    expect(lineOf(article, at + 3)).to.equal(27);
    expect(lineOf(article, article.body.indexOf("潘希强自2019年"))).to.equal(15);
  });
});
