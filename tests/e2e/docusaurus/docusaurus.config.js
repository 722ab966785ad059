// The site tests/e2e/test_docusaurus_build.py builds around an export's docs folder
// (DOCS_DIR): Docusaurus 3 with broken links, Markdown links and anchors as errors.
module.exports = {
  title: "confluence-export check",
  url: "https://docs.example.com",
  baseUrl: "/",
  onBrokenLinks: "throw",
  onBrokenAnchors: "throw",
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
