// The site tests/e2e/test_docusaurus_build.py builds around an export's docs folder
// (DOCS_DIR): Docusaurus 3 with broken links and Markdown links as errors. Broken anchors are
// warnings the test checks itself: Docusaurus does not see ids of literal JSX (<a id="x">,
// what anchor macros become), so it reports them although the built page has them.
module.exports = {
  title: "confluence-export check",
  url: "https://docs.example.com",
  baseUrl: "/",
  onBrokenLinks: "throw",
  onBrokenAnchors: "warn",
  markdown: { hooks: { onBrokenMarkdownLinks: "throw" } },
  presets: [
    [
      "classic",
      {
        docs: { path: process.env.DOCS_DIR, routeBasePath: "/" },
        blog: false,
        pages: false,
      },
    ],
  ],
};
