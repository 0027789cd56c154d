"""A chart the browser already holds is not sent again: its ETag comes from the picture itself."""

from fastapi.testclient import TestClient


def test_a_chart_is_answered_304_when_the_browser_holds_the_same_picture(client: TestClient) -> None:
    first = client.get("/roadmap/timeline.svg")
    assert first.status_code == 200 and first.headers["content-type"].startswith("image/svg+xml")
    etag = first.headers["etag"]
    again = client.get("/roadmap/timeline.svg", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    other_language = client.get("/roadmap/timeline.svg?lang=en", headers={"If-None-Match": etag})
    assert other_language.status_code == 200 and other_language.headers["etag"] != etag  # another picture
