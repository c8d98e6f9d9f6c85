"""An upload throttled at the edge (429, nothing stored, no Retry-After: gitlab.com,
gitlab-org/gitlab#365728) is sent again, whole: python-gitlab's own retry of a 429 would send
the multipart body it had already spent (an empty body under the first Content-Length), and
GitLab would wait for the rest until the read timed out, failing the deal as "cannot reach
GitLab". Each document is stored once and its link answered."""

from gitlab_emulator.testing import admin, running_emulator
from triage.commands.demo_data import demo_seed
from triage.gitlab.adapter import GitLab


def test_a_throttled_upload_is_sent_again_and_stored_once():
    seed = {**demo_seed(), "faults": {"seed": 1, "edge_throttle_rate": 0.5}}
    token = next(user["token"] for user in seed["users"] if user.get("bot"))
    with running_emulator(seed) as edge:
        client = GitLab(edge.url, token, sleep=lambda s: None, timeout=3)
        urls = [
            client.upload_file("ps/ps-plan", f"Acme-SoW-{n}.docx", b"PK" + bytes([n]) * 1000).url
            for n in range(6)
        ]
        assert admin(edge.url, "stats")["throttled"] > 0  # the edge did answer 429s
        assert [url.rsplit("/", 1)[-1] for url in urls] == [f"Acme-SoW-{n}.docx" for n in range(6)]
        stored = edge.store.project_by_ref("ps/ps-plan").uploads
        assert sorted(u.filename for u in stored) == sorted(f"Acme-SoW-{n}.docx" for n in range(6))
        assert client.traffic.writes == 6
