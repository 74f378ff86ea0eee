// OpenCC's character table ships as an untyped ES module: "trad simp[ alt…]|trad simp|…".
declare module "opencc-js/dict/TSCharacters" {
  const table: string;
  export default table;
}
