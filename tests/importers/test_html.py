from __future__ import annotations

import pytest

from importers import HTML, ImportFailure, extract

NEWS_PAGE = """<!DOCTYPE html>
<html lang="en-GB">
<head>
  <meta charset="utf-8">
  <title>Ex-Syria official tells of collusion | The Daily Example</title>
  <meta property="og:title" content="Ex-Syria official tells of collusion between Assad, Russia, Daesh">
  <meta property="og:site_name" content="The Daily Example">
  <meta property="og:url" content="https://example.org/news/collusion">
  <meta property="article:published_time" content="2016-02-14T09:30:00+02:00">
  <meta name="author" content="Meta Author">
  <script type="application/ld+json">
  {"@context": "https://schema.org", "@graph": [
    {"@type": "WebSite", "name": "Example"},
    {"@type": "NewsArticle", "headline": "JSON-LD headline wins",
     "datePublished": "2016-02-14T08:00:00Z",
     "author": [{"@type": "Person", "name": "Ali Veli"}, {"@type": "Person", "name": "Jane Doe"}],
     "publisher": {"@type": "Organization", "name": "Example Media Group"}}
  ]}
  </script>
  <style>p { color: red }</style>
  <script>var tracking = "Do not import this script text";</script>
</head>
<body class="single-post has-sidebar has-comments">
  <header class="site-header"><a href="/">The Daily Example</a>
    <nav><ul><li><a href="/world">World</a></li><li><a href="/politics">Politics</a></li></ul></nav>
  </header>
  <div class="cookie-banner">We use cookies to improve your experience.</div>
  <main>
    <article class="post">
      <header class="entry-header">
        <h1>Ex-Syria official tells of collusion</h1>
        <p class="byline">By Jane Doe, <time datetime="2016-02-13">13 February 2016</time></p>
      </header>
      <div class="share-buttons"><a>Share on Facebook</a><a>Tweet this</a></div>
      <p>"A month before the city fell to Daesh, we had received information that Daesh was
         planning to attack Tadmur," said <a href="/people/qassim">Mohamed Qassim</a>.</p>
      <div class="ad-slot advertisement">BUY CHEAP WATCHES NOW</div>
      <p>According to Qassim, Assad had wanted to give the impression that Daesh had captured
         Tadmur.<br>He said so twice.</p>
      <h2>Bodies in the prisons</h2>
      <p>When he was serving as the city&#8217;s attorney-general, Qassim said, he had discovered
         scores of bodies of political detainees.</p>
      <!-- a hidden editorial comment that must not be imported -->
      <span style="display: none">invisible tracking pixel text</span>
      <ul><li>First point of the list.</li><li>Second point.</li></ul>
      <table><tr><th>Year</th><th>Event</th></tr><tr><td>2015</td><td>Tadmur falls</td></tr></table>
      <aside class="related">Related: Another story you might like</aside>
      <div class="newsletter-signup"><form><input placeholder="Your email"> Sign up for our newsletter</form></div>
      <footer class="entry-footer">Tags: Syria, Russia</footer>
    </article>
    <section id="comments" class="comments-area">
      <h3>3 comments</h3>
      <p>Commenter: this is fake news and it should not be imported, really not.</p>
    </section>
  </main>
  <aside class="sidebar"><p>Most read: a sidebar story that should not appear at all in the text.</p></aside>
  <footer class="site-footer"><p>Copyright 2016 The Daily Example. All rights reserved.</p></footer>
  <noscript>Please enable JavaScript.</noscript>
</body>
</html>
"""


def test_article_text_only() -> None:
    result = extract(NEWS_PAGE.encode(), "page.html")
    assert result.media_type == HTML
    text = result.text
    assert text.startswith("Ex-Syria official tells of collusion\n\nBy Jane Doe, 13 February 2016\n\n")
    assert (
        '"A month before the city fell to Daesh, we had received information that Daesh was planning to attack Tadmur," said Mohamed Qassim.'
        in text
    )
    assert "captured Tadmur.\nHe said so twice." in text
    assert "\n\nBodies in the prisons\n\n" in text
    assert "city\u2019s attorney-general" in text
    assert "\n\nFirst point of the list.\n\nSecond point.\n\n" in text
    assert "Year | Event\n2015 | Tadmur falls" in text
    for junk in (
        "World", "Politics", "cookies", "Share on Facebook", "Tweet", "WATCHES", "hidden editorial",
        "tracking", "Related", "newsletter", "Tags:", "Commenter", "comments", "Most read", "Copyright",
        "JavaScript", "color: red", "Do not import",
    ):  # fmt: skip
        assert junk not in text, junk


def test_metadata() -> None:
    md = extract(NEWS_PAGE.encode(), "page.html").metadata
    assert md.title == "JSON-LD headline wins"
    assert md.author == "Ali Veli, Jane Doe"
    assert md.outlet == "The Daily Example"
    assert md.url == "https://example.org/news/collusion"
    assert (md.published, md.published_precision) == ("2016-02-14", "day")
    assert md.language == "en"
    assert md.sources == {
        "outlet": "html:og:site_name",
        "title": "html:json-ld:headline",
        "author": "html:json-ld:author",
        "url": "html:og:url",
        "published": "html:json-ld:datePublished",
        "language": "html:lang",
    }


def test_metadata_without_json_ld() -> None:
    page = """<html><head><title>Leaked docs reveal the deal - Example News</title>
    <meta property="og:site_name" content="Example News">
    <link rel="canonical" href="https://example.net/leaked">
    <meta name="author" content="By Karim Traboulsi">
    <meta http-equiv="content-language" content="fr-FR">
    </head><body><div id="content"><p>This is the body of the story, long enough to count as article text,
    with commas, clauses, and more words.</p><p>Another paragraph, also of a decent length, follows here.</p>
    <p>Posted <time datetime="2016-05-02T10:00">2 May</time></p></div></body></html>"""
    md = extract(page.encode(), "x.htm").metadata
    assert md.title == "Leaked docs reveal the deal"
    assert md.sources["title"] == "html:title"
    assert md.author == "Karim Traboulsi"
    assert md.url == "https://example.net/leaked"
    assert (md.published, md.sources["published"]) == ("2016-05-02", "html:time")
    assert md.language == "fr"


def test_item_prop_article_body_preferred() -> None:
    page = """<html><body>
    <div class="teasers"><p>A teaser paragraph about something else entirely, quite long and wordy, with commas, and more.</p>
    <p>Another teaser paragraph about something else entirely, also long, wordy, and full of commas.</p>
    <p>A third teaser paragraph about something else entirely, long, wordy, and, yes, with commas.</p></div>
    <div itemprop="articleBody"><p>The real story text sits in the article body.</p></div>
    </body></html>"""
    assert extract(page.encode(), "p.html").text == "The real story text sits in the article body."


def test_density_fallback_without_semantic_tags() -> None:
    story = "".join(
        f"<p>Paragraph {i} of the story, with enough words, commas, and clauses to score well.</p>"
        for i in range(5)
    )
    page = f"""<html><body>
    <div class="menu"><a>Home</a> <a>News</a> <a>Sport</a></div>
    <div class="wrapper"><div class="content-area">{story}</div>
    <div class="links"><a>Privacy</a> <a>Terms</a></div></div>
    </body></html>"""
    text = extract(page.encode(), "p.html").text
    assert text.startswith("Paragraph 0 of the story")
    assert text.count("\n\n") == 4
    assert "Home" not in text and "Privacy" not in text


def test_windows_1252_page_with_declared_charset() -> None:
    body = "<p>\u201cLe r\u00e9gime a menti\u201d, a-t-il d\u00e9clar\u00e9 \u2013 \u00e0 Palmyre.</p>"
    for head in (
        '<meta charset="windows-1252">',
        '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">',
        "",
    ):
        page = f"<html><head>{head}</head><body><article>{body}</article></body></html>"
        text = extract(page.encode("cp1252"), "fr.html").text
        assert (
            text == "\u201cLe r\u00e9gime a menti\u201d, a-t-il d\u00e9clar\u00e9 \u2013 \u00e0 Palmyre."
        ), head


def test_declared_charset_overrides_detection() -> None:
    page = '<html><head><meta charset="koi8-r"></head><body><p>\u041f\u0440\u0438\u0432\u0435\u0442 \u043c\u0438\u0440</p></body></html>'
    assert (
        extract(page.encode("koi8-r"), "ru.html").text
        == "\u041f\u0440\u0438\u0432\u0435\u0442 \u043c\u0438\u0440"
    )


def test_utf16_page_with_bom() -> None:
    page = "<html><body><p>Caf\u00e9 \u062a\u062f\u0645\u0631</p></body></html>"
    assert extract(page.encode("utf-16"), "u.html").text == "Caf\u00e9 \u062a\u062f\u0645\u0631"


def test_xhtml_with_xml_declaration() -> None:
    page = '<?xml version="1.0" encoding="ISO-8859-1"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><body><p>Caf\u00e9 cr\u00e8me</p></body></html>'
    assert extract(page.encode("latin-1"), "x.xhtml").text == "Caf\u00e9 cr\u00e8me"


@pytest.mark.parametrize(
    "page",
    [
        "<html><head><title>Only a title</title><script>var x = 1;</script></head><body></body></html>",
        "<html><body><nav><a>Home</a><a>About</a></nav><footer>Copyright</footer></body></html>",
        "<!doctype html><html><body><!-- nothing --><img src='a.png'></body></html>",
        "<html>   </html>",
    ],
)
def test_no_article_text(page: str) -> None:
    with pytest.raises(ImportFailure, match=r"^no article text found in the HTML page$"):
        extract(page.encode(), "empty.html")


def test_nothing_is_fetched_and_pre_is_kept() -> None:
    page = """<html><head><link rel="stylesheet" href="http://127.0.0.1:9/x.css"></head>
    <body><article><p>Intro text for the code sample.</p><pre>line one
    indented line two</pre><img src="http://127.0.0.1:9/tracker.gif"></article></body></html>"""
    text = extract(page.encode(), "code.html").text
    assert text == "Intro text for the code sample.\n\nline one\n    indented line two"
