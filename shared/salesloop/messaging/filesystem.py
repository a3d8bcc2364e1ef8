"""The embedded bus: kombu's filesystem transport, safe for several processes.

kombu's own channel creates a message file in the queue folder and then writes it,
and its reader moves away whatever file it lists: a reader that lists a file its
writer has not finished reads an empty body, fails to decode it, and the message
is gone (the file was already removed). Under load — `make run` with five workers
and five relays on one folder — that loses events.

Here a writer writes the whole message in a staging folder and renames it into the
queue folder (a rename within one file system is atomic on POSIX), so a reader only
ever sees complete messages; and a reader claims a file by renaming it into its own
folder, so two consumers of one queue never both read it."""
from __future__ import annotations

import os
import uuid
from pathlib import Path
from queue import Empty
from time import monotonic
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import bytes_to_str, str_to_bytes
from kombu.utils.json import dumps, loads

STAGING = "staging"
CLAIMED = "claimed"


def folders(root: Path) -> dict[str, Path]:
    """Every folder of one embedded bus; all under ``root``, so renames stay on one file system."""
    return {"data_folder_in": root / "messages", "data_folder_out": root / "messages",
            "control_folder": root / "control", "staging_folder": root / STAGING,
            "claimed_folder": root / CLAIMED}


class Channel(filesystem.Channel):
    # _put and _get keep the signatures of kombu's filesystem Channel (mypy checks them against AbstractChannel).
    def _put(self, queue: str, payload: dict[str, Any], **kwargs: Any) -> None:  # type: ignore[override]
        name = f"{int(round(monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        staged = self._folder("staging_folder") / name
        try:
            staged.write_bytes(str_to_bytes(dumps(payload)))  # type: ignore[no-untyped-call]  # unannotated upstream
            os.replace(staged, Path(self.data_folder_out) / name)
        except OSError as exc:
            staged.unlink(missing_ok=True)
            raise ChannelError(f"cannot add {name!r} to the bus folder") from exc

    def _get(self, queue: str) -> dict[str, Any]:  # type: ignore[override]
        wanted = f"{queue}.msg"
        inbox = Path(self.data_folder_in)
        for name in sorted(os.listdir(inbox)):
            if name.partition(".")[2] != wanted:
                continue
            claimed = self._folder("claimed_folder") / f"{os.getpid()}-{name}"
            try:
                os.rename(inbox / name, claimed)
            except FileNotFoundError:
                continue  # another consumer claimed it first
            try:
                return loads(bytes_to_str(claimed.read_bytes()))  # type: ignore[no-untyped-call, no-any-return]
            finally:
                claimed.unlink(missing_ok=True)
        raise Empty()

    def _folder(self, option: str) -> Path:
        folder = Path(self.transport_options[option])
        folder.mkdir(parents=True, exist_ok=True)
        return folder


class Transport(filesystem.Transport):
    Channel = Channel
