"""`serve`'s stderr, written in blocks: written from many threads while it flushes."""

from __future__ import annotations

from ..helpers import in_threads


def test_buffered_stderr_keeps_every_line_whole_while_it_flushes(tmp_path):
    from mock_baanx.transports.buffered_stderr import BufferedStderr

    threads_count, lines = 8, 2000
    with open(tmp_path / "stderr", "w", encoding="utf-8") as target:
        buffered = BufferedStderr(target)

        def write(index: int) -> None:
            for number in range(lines):
                buffered.write_line(f"thread {index} line {number} " + "x" * 40)

        in_threads(threads_count, write)
        buffered.close()
    written = (tmp_path / "stderr").read_text(encoding="utf-8").splitlines()
    assert len(written) == threads_count * lines
    assert all(line.endswith(" " + "x" * 40) and line.startswith("thread ") for line in written)
