"""``body.view`` has the shapes view-HTML converters (confluence-markdown-exporter) look for."""

from __future__ import annotations

import httpx

from exporter.sandbox import SandboxHandle


def _view(tiny: SandboxHandle, client: httpx.Client, title: str, fmt: str = "body.view") -> str:
    page = next(r.id for r in tiny.store.content.values() if r.title == title)
    body = client.get(f"/rest/api/content/{page}?expand={fmt}").json()
    return body["body"][fmt.split(".")[1]]["value"]


def test_home_view_has_panel_mention_image_and_task(
    tiny: SandboxHandle, client: httpx.Client
) -> None:
    html = _view(tiny, client, "Home")
    assert 'data-macro-name="info"' in html and 'data-macro-id="m-info-1"' in html
    assert 'class="confluence-userlink user-mention"' in html and ">@Bob Baker</a>" in html
    assert 'data-linked-resource-type="page"' in html and ">Zebra guide</a>" in html
    assert 'class="confluence-embedded-image"' in html and "data-media-id=" in html
    assert '<li data-inline-task-id="1" class="checked">Say hello</li>' in html
    assert "Welcome\xa0home" in html


def test_code_status_emoticon_and_attachment_link(
    tiny: SandboxHandle, client: httpx.Client
) -> None:
    html = _view(tiny, client, "Zebra guide")
    assert 'data-syntaxhighlighter-params="brush: python; gutter: false' in html
    assert 'print("&lt;stripes &amp; dots&gt;")</pre>' in html
    assert 'data-macro-name="status"' in html and "aui-lozenge-success" in html
    assert 'data-emoji-fallback="😄"' in html
    assert 'data-linked-resource-type="attachment"' in html and "Café menu 2026.txt</a>" in html


def test_layout_renders_as_column_layout_cells(tiny: SandboxHandle, client: httpx.Client) -> None:
    html = _view(tiny, client, "Apple notes")
    assert '<div class="columnLayout two-equal"' in html
    assert html.count('<div class="cell normal"') == 2


def test_v2_single_page_serves_view_and_rejects_adf(
    tiny: SandboxHandle, client: httpx.Client
) -> None:
    page = next(r.id for r in tiny.store.content.values() if r.title == "Home")
    view = client.get(f"/api/v2/pages/{page}?body-format=view").json()
    assert 'data-macro-name="info"' in view["body"]["view"]["value"]
    assert client.get(f"/api/v2/pages/{page}?body-format=atlas_doc_format").status_code == 400
    assert client.get("/api/v2/pages?body-format=view").status_code == 400


def test_view_survives_sloppy_storage_and_keeps_cdata_verbatim() -> None:
    from exporter.sandbox.store import Store
    from exporter.sandbox.view import render_view

    store = Store()
    store.add_user("557058:u", "U")
    store.add_space("K", "K")
    page = store.add_content(
        "K",
        "Sloppy",
        '<p>R&D&nbsp;team<br>next &bogus;</p><ac:structured-macro ac:name="code">'
        "<ac:plain-text-body><![CDATA[a < b && c <br>]]></ac:plain-text-body></ac:structured-macro>",
    )
    html = render_view(store, page)
    assert "<p>R&amp;D\xa0team<br />next &amp;bogus;</p>" in html
    assert ">a &lt; b &amp;&amp; c &lt;br&gt;</pre>" in html
