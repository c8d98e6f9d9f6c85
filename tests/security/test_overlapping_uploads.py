"""Three `apply` runs started at the same instant while four deals enter SOW_WIP: the run lease
lets one write, so each deal's Word SoW is uploaded once and linked once, by one SoW note."""

from __future__ import annotations

import re
import threading

from triage.gitlab.adapter import GitLab
from triage.runner import RunResult, run
from triage.testing import BOT_TOKEN, TASKS

ACME = {
    "customer": "Acme Widgets",
    "close_date": "2026-02-27",
    "line_items": [{"activity": "Discovery", "role": "PSE", "days": 3}],
}


def test_overlapping_applies_upload_and_link_each_word_sow_once(scoping):
    deals = [
        scoping.issue(stage="Estimate_Feedback", tasks=TASKS[:2], data={**ACME, "customer": c})
        for c in ("Acme", "Bramble", "Corvid", "Delta")
    ]
    start = threading.Barrier(3)
    ended: list[RunResult] = []

    def one() -> None:
        start.wait()
        client = GitLab(scoping.emulator.url, BOT_TOKEN, sleep=lambda s: None)
        ws = scoping.workspace
        ended.append(run(ws.policy, client, ws.templates, mode="apply"))

    threads = [threading.Thread(target=one) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(ended) == 3 and sum(1 for r in ended if r.lease_busy) == 2
    uploads = scoping.emulator.store.project_by_ref(scoping.project_path).uploads
    assert sorted(u.filename for u in uploads) == sorted(
        f"{c}-SoW-2026-01-12.docx" for c in ("Acme", "Bramble", "Corvid", "Delta")
    )
    for iid in deals:
        [note] = scoping.comments(iid, "sow-draft")
        [secret] = re.findall(r"/uploads/([0-9a-f]{32})/", note)
        assert secret in {u.secret for u in uploads}
