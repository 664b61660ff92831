"""`warn roster on|off|list`, run as a real process on a SQLite database of its own."""

from pathlib import Path

from tests.integration.test_cli import warn


def test_the_roster_from_the_command_line(tmp_path: Path) -> None:
    for args in (("db", "upgrade"), ("district", "add", "wanzhou", "--name", "万州区"),
                 ("user", "add", "cui", "--role", "officer", "--district", "wanzhou"),
                 ("user", "add", "boss", "--role", "admin"),
                 ("school", "add", "sx", "--name", "三峡医专", "--district", "wanzhou"),
                 ("user", "add", "sec", "--role", "liaison", "--school", "sx")):
        assert warn(tmp_path, *args).returncode == 0
    listed = warn(tmp_path, "roster", "list")
    assert "当前无人上岗" in listed.stdout
    assert warn(tmp_path, "roster", "on", "cui").stdout.strip() == "cui 已上岗"
    assert warn(tmp_path, "roster", "on", "boss", "--lead").stdout.strip() == (
        "boss 已上岗（值班领导）")
    refused = warn(tmp_path, "roster", "on", "sec")
    assert refused.returncode == 2 and "不是值班民警或管理员" in refused.stderr
    unknown = warn(tmp_path, "roster", "off", "nobody")
    assert unknown.returncode == 2 and "没有用户 nobody" in unknown.stderr
    rows = [line.split("\t") for line in warn(tmp_path, "roster", "list").stdout.splitlines()]
    assert [(r[0], r[2], r[3]) for r in rows] == [("boss", "全部辖区", "在岗"),
                                                  ("cui", "万州区", "在岗")]
    assert rows[0][-1] == "值班领导"
    assert warn(tmp_path, "roster", "off", "cui").stdout.strip() == "cui 已下岗"
    assert warn(tmp_path, "roster", "off", "cui").stdout.strip() == "cui 本来就不在岗"
