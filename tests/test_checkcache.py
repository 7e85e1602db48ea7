"""The check cache: unchanged files are neither parsed nor checked again, and a
cached result never differs from a fresh one (reportgen.checkcache)."""

import os

import pytest

from conftest import write_project
from reportgen import load as loading
from reportgen import yamlio
from reportgen.build import build, check, tool_stamp
from reportgen.checkcache import PACK_NAME, FileCache, user_key
from reportgen.errors import ReportgenError

PREVIEW = ("html", "json")
TOOL = tool_stamp({})  # as a build stamps its cache


@pytest.fixture(autouse=True)
def own_cache_home(tmp_path, monkeypatch):
    """A signing key of this test's own (the user's real one is left alone)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    loading._parsed.clear()  # no reuse within this process: what is reused comes from disk
    yield
    loading._parsed.clear()


def cache_folder(project):
    return project.output / ".reportgen" / "cache"


def pack(project):
    return cache_folder(project) / PACK_NAME


def entries(project) -> dict:
    """The pack's records: where each entry's body is, by entry."""
    return FileCache.at(cache_folder(project), TOOL).index


def bodies(project) -> dict:
    """The pack's records: each entry's body, by entry."""
    data = pack(project).read_bytes()
    return {entry: data[offset:offset + length]
            for entry, (_, offset, length) in entries(project).items()}


def edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def said(problem) -> str:
    """A problem as the user reads it: file, line, severity, message, hint."""
    return (f"{problem.path}:{problem.line}: {problem.severity}: {problem.message} "
            f"| {problem.hint}")


def outcome(project, cache=None):
    """What a check says: the warnings, or every problem if it fails."""
    loading._parsed.clear()
    try:
        return "ok", [said(w) for w in check(project, cache)[1]]
    except ReportgenError as exc:
        return "failed", [said(p) for p in exc.problems]


def cached_outcome(project):
    """The same check, taking what it can from the build's cache."""
    return outcome(project, FileCache.at(cache_folder(project), TOOL))


class Counting:
    """Counts the files parsed, the documents checked and those whose quotations were
    looked up for real (not from the cache)."""

    def __init__(self, monkeypatch):
        from reportgen import validate

        self.parsed, self.checked, self.quoted = [], [], []
        real_parse, real_check = loading.load_yaml, validate._check_document
        real_quotes = validate._check_document_quotes

        def parse(text, path):
            self.parsed.append(path)
            return real_parse(text, path)

        def check_document(file, *args):
            self.checked.append(file.path)
            return real_check(file, *args)

        def check_quotes(quoting, file, *args):
            self.quoted.append(file.path)
            return real_quotes(quoting, file, *args)

        monkeypatch.setattr(loading, "load_yaml", parse)
        monkeypatch.setattr(validate, "_check_document", check_document)
        monkeypatch.setattr(validate, "_check_document_quotes", check_quotes)


def names(paths):
    return sorted(os.path.basename(p) for p in paths)


def test_a_rebuild_parses_and_checks_only_the_file_that_changed(tmp_path, monkeypatch):
    project = write_project(tmp_path)
    build(project, PREVIEW)
    assert os.listdir(cache_folder(project)) == [PACK_NAME]  # one file holds every entry
    before = bodies(project)
    assert len(before) == 2 * 3 + 4  # documents: parse, check, quotations found; others once
    edit(project.annotations / "documents" / "beta.yaml", "A closing line.", "A closing line")
    counting = Counting(monkeypatch)
    read_again = []  # a file from the cache whose data was asked for (yamlio.YamlFile)
    real = yamlio.load_yaml
    monkeypatch.setattr(yamlio, "load_yaml",
                        lambda text, path: read_again.append(path) or real(text, path))
    loading._parsed.clear()
    build(project, PREVIEW)
    assert names(counting.parsed) == ["beta.yaml"]
    assert names(counting.checked) == ["beta.yaml"]
    assert names(counting.quoted) == ["beta.yaml"]
    assert read_again == []
    after = bodies(project)
    assert set(after) == set(before)  # beta's three entries replaced, the others kept as they were
    assert len([entry for entry in after if after[entry] != before[entry]]) == 3


def test_errors_from_the_cache_are_the_errors_of_a_fresh_check(tmp_path):
    project = write_project(tmp_path)
    build(project, PREVIEW)
    # an error in a changed file, and errors that other files' checks find in unchanged ones
    edit(project.annotations / "themes.yaml", "id: drugs", "id: narcotics")
    edit(project.annotations / "documents/beta.yaml", "value: 2001", "value: twenty")
    fresh = outcome(project)
    assert fresh[0] == "failed"
    assert any("unknown theme 'drugs'" in p and "alpha.yaml:" in p for p in fresh[1])
    assert any("beta.yaml:" in p and "twenty" in p for p in fresh[1])
    assert cached_outcome(project) == fresh


def test_a_warning_in_an_unchanged_file_shows_again(tmp_path):
    project = write_project(tmp_path)
    edit(project.annotations / "documents/alpha.yaml", "    themes: [war]\n",
         '    themes: [war]\n    note: It says "the war ended well".\n')  # line 13
    first = build(project, PREVIEW)
    message = [said(w) for w in first.warnings if "the war ended well" in w.message]
    assert len(message) == 1 and "alpha.yaml:13:" in message[0]
    edit(project.annotations / "findings.yaml", "differently", "apart")  # another file
    second = build(project, PREVIEW)
    assert [said(w) for w in second.warnings] == [said(w) for w in first.warnings]
    assert cached_outcome(project) == outcome(project) == ("ok", [said(w) for w in first.warnings])


def test_editing_a_source_text_checks_its_document_again(tmp_path, monkeypatch):
    project = write_project(tmp_path)
    build(project, PREVIEW)
    edit(project.seeds / "b.txt", "The second account says", "The 2nd account says")
    counting = Counting(monkeypatch)
    status, problems = cached_outcome(project)
    assert names(counting.parsed) == [] and names(counting.checked) == ["beta.yaml"]
    assert status == "failed"
    assert any("beta.yaml:" in p and "quote does not match" in p for p in problems)
    assert (status, problems) == outcome(project)


def test_editing_themes_checks_every_document_again(tmp_path, monkeypatch):
    project = write_project(tmp_path)
    build(project, PREVIEW)
    edit(project.annotations / "themes.yaml", "label: Drugs", "label: Drugs\n  - id: spare\n"
         "    label: Spare")
    counting = Counting(monkeypatch)
    assert cached_outcome(project)[0] == "ok"
    assert names(counting.parsed) == ["themes.yaml"]
    assert names(counting.checked) == ["alpha.yaml", "beta.yaml"]


def test_a_note_quoting_another_document_is_checked_again_when_that_one_changes(tmp_path):
    project = write_project(tmp_path)
    edit(project.annotations / "documents/alpha.yaml", "themes: [drugs]",
         'themes: [drugs]\n    note: As beta:1 puts it, "the war began in 2001".')
    assert not build(project, PREVIEW).warnings
    edit(project.seeds / "b.txt", "began in 2001.", "began in 2002.")
    edit(project.annotations / "documents/beta.yaml", "value: 2001", "value: 2002")
    status, warnings = cached_outcome(project)
    assert status == "ok"
    assert any("alpha.yaml:" in w and "the war began in 2001" in w for w in warnings)
    assert (status, warnings) == outcome(project)


@pytest.mark.parametrize("damage", ["flip", "truncate", "empty", "foreign-key", "folder"])
def test_a_damaged_or_foreign_entry_is_ignored_and_rebuilt(tmp_path, monkeypatch, damage):
    project = write_project(tmp_path)
    build(project, PREVIEW)
    expected = (project.output / "report.json").read_bytes()
    data = bytearray(pack(project).read_bytes())
    if damage == "flip":  # a bit of each record's last byte
        for _, offset, length in entries(project).values():
            data[offset + length - 1] ^= 1
        pack(project).write_bytes(data)
    elif damage == "truncate":  # cut inside the first record
        first = min(offset for _, offset, _ in entries(project).values())
        pack(project).write_bytes(data[:first + 10])
    elif damage == "empty":
        pack(project).write_bytes(b"")
    elif damage == "folder":
        pack(project).unlink()
        pack(project).mkdir()
    if damage == "foreign-key":  # entries another user signed: same stamps, another key
        (tmp_path / "user-cache" / "reportgen" / "cache-key").write_bytes(os.urandom(32))
    counting = Counting(monkeypatch)
    loading._parsed.clear()
    build(project, PREVIEW, force=True)
    assert len(counting.parsed) == 6 and len(counting.checked) == 2  # all done again
    assert (project.output / "report.json").read_bytes() == expected
    counting.parsed.clear()
    loading._parsed.clear()
    build(project, PREVIEW, force=True)  # the entries were written again, and now serve
    assert counting.parsed == [] or damage == "folder"


def test_a_pack_cut_short_keeps_its_whole_records(tmp_path, monkeypatch):
    """A power cut while the pack was written: the records before the cut still serve."""
    project = write_project(tmp_path)
    build(project, PREVIEW)
    records = sorted(offset for _, offset, _ in entries(project).values())
    cut = records[3] + 5  # inside the fourth record
    pack(project).write_bytes(pack(project).read_bytes()[:cut])
    assert sorted(offset for _, offset, _ in entries(project).values()) == records[:3]
    counting = Counting(monkeypatch)
    loading._parsed.clear()
    build(project, PREVIEW, force=True)
    made = len(counting.parsed) + len(counting.checked) + len(counting.quoted)
    assert made == 10 - 3  # the rest made again
    assert len(entries(project)) == 10


def test_an_entry_signed_with_another_key_is_never_unpickled(tmp_path):
    """A project from someone else, build folder and all: its pickles would run code."""
    project = write_project(tmp_path)
    build(project, PREVIEW)
    folder = cache_folder(project)
    cache = FileCache.at(folder, TOOL)
    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            return open, (str(marker), "w")

    stranger = FileCache(folder, b"k" * 32, cache.salt)
    themes = project.annotations / "themes.yaml"
    shown = loading.Shown()(themes)  # the name load gives it
    stamp = stranger.stamp("yaml", shown, themes.read_text(encoding="utf-8"))
    stranger.put("yaml", shown, stamp, Payload())
    stranger.used = set(stranger.index)  # nothing pruned
    stranger.save()
    assert outcome(project, FileCache.at(folder, TOOL))[0] == "ok"
    assert not marker.exists()
    # the same entry signed with the user's key is trusted: the signature is what decides
    cache.put("yaml", shown, stamp, Payload())
    cache.used = set(stranger.used)
    cache.save()
    FileCache.at(folder, TOOL).get("yaml", shown, stamp)
    assert marker.exists()


def test_the_signing_key_is_private_and_made_once(tmp_path):
    key = user_key()
    path = tmp_path / "user-cache" / "reportgen" / "cache-key"
    assert key is not None and len(key) == 32 and path.read_bytes() == key
    assert path.stat().st_mode & 0o777 == 0o600
    assert user_key() == key
    path.write_bytes(b"short")  # damaged: replaced by a fresh one
    fresh = user_key()
    assert fresh is not None and fresh != key and path.read_bytes() == fresh


def test_unused_entries_are_pruned_and_a_failed_build_writes_no_cache(tmp_path):
    project = write_project(tmp_path)
    edit(project.annotations / "documents/beta.yaml", "value: 2001", "value: twenty")
    with pytest.raises(ReportgenError):
        build(project, PREVIEW)
    assert not project.output.exists()
    edit(project.annotations / "documents/beta.yaml", "value: twenty", "value: 2001")
    build(project, PREVIEW)
    before = set(entries(project))
    (project.annotations / "findings.yaml").unlink()
    build(project, PREVIEW)
    after = set(entries(project))
    assert len(after) == len(before) - 1 and after < before


def test_check_without_an_output_folder_uses_no_cache(tmp_path):
    project = write_project(tmp_path)
    assert outcome(project)[0] == "ok"
    assert not project.output.exists()


def test_a_duplicate_id_in_a_new_file_is_reported_in_the_unchanged_one(tmp_path):
    project = write_project(tmp_path)
    build(project, PREVIEW)
    alpha = project.annotations / "documents/alpha.yaml"
    (alpha.parent / "aaa.yaml").write_text(alpha.read_text(encoding="utf-8").replace(
        "source: a.txt", "source: b.txt"), encoding="utf-8")
    fresh = outcome(project)
    assert fresh[0] == "failed"
    assert any("alpha.yaml:1: error: document id 'alpha' is also used by" in p
               for p in fresh[1])
    assert cached_outcome(project) == fresh


def test_builds_in_one_process_leave_no_file_open(tmp_path):
    """serve builds again and again in one process: each build's cache closes its files."""
    project = write_project(tmp_path)
    build(project, PREVIEW)
    before = sorted(os.listdir("/proc/self/fd"))
    for n in range(5):
        with (project.annotations / "documents/beta.yaml").open("a", encoding="utf-8") as file:
            file.write(f"# edit {n}\n")
        build(project, PREVIEW)
        outcome(project)
    assert sorted(os.listdir("/proc/self/fd")) == before
