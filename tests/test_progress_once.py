"""The last progress line of an ingest is printed once, also when the encoder's thread prints its
final count while the reading thread closes the bar (a plain-line log showed
`Embedding: 631/631 passages, … 1 min 08 s in all` twice)."""

import io
import threading

from scan.progress import Progress


class SlowStream(io.StringIO):
    """Its first write waits until the test lets it go, as a write to a busy terminal or pipe can."""

    def __init__(self):
        super().__init__()
        self.armed = False
        self.writing, self.go = threading.Event(), threading.Event()

    def write(self, text):
        if self.armed and not self.writing.is_set():
            self.writing.set()
            self.go.wait(10)
        return super().write(text)


def test_the_final_count_is_printed_once_when_a_worker_prints_it_while_the_bar_closes():
    stream = SlowStream()
    bar = Progress(10, "Embedding", "passages", stream=stream, every=0)
    bar.update(9)  # an earlier line
    stream.armed = True  # the next write waits
    worker = threading.Thread(target=bar.update, args=(1,))  # the encoder's thread: the last batch
    worker.start()
    assert stream.writing.wait(10)  # it is printing "10/10"
    bar.close()  # the reading thread, meanwhile
    stream.go.set()
    worker.join(10)
    finals = [line for line in stream.getvalue().splitlines() if "10/10" in line]
    assert len(finals) == 1, stream.getvalue()
