"""What is wrong with a malformed number, as words not yet said: a message id and its arguments.

rules/numbers.yaml writes each field's `problem` and `missing` in English (`"serial number '{value}'
does not have 5 digits"`). Each such text is the English of one read.* message of
rules/messages.yaml with its other placeholders fixed (here count=5); `problem` finds that message
once per text (cached: the rule texts are few) and returns the problem as an i18n.Said of it, so the
facts and analyses hold an id and arguments and a writer says them in the reader's language. A text
that is no built-in message's English (a custom numbers.yaml's own wording) is said as written: it
is the Message's default, under an id no messages file has (AS_WRITTEN).
"""

from __future__ import annotations

import functools
import re
import string

from ...i18n import DEFAULT_LANG, Message, Said, builtin_messages

PREFIX = "read.number."         # the messages numbers.yaml's texts are the English of
AS_WRITTEN = "read.number.as_written"   # no message has this id: the Message default (the text) is said


@functools.cache
def _message_of(template: str) -> tuple[str, tuple[tuple[str, str], ...]] | None:
    """(message id, fixed arguments) whose English is `template` with its `{value}` kept; None
    when no built-in read.number.* message says it. Messages are tried in file order."""
    messages = builtin_messages()
    for msg_id in messages:
        if not msg_id.startswith(PREFIX):
            continue
        parts = []
        for literal, name, _spec, _conv in string.Formatter().parse(messages.text(msg_id, DEFAULT_LANG)):
            parts.append(re.escape(literal))
            if name == "value":
                parts.append(re.escape("{value}"))
            elif name:
                parts.append(f"(?P<{name}>.+?)")
        match = re.fullmatch("".join(parts), template, re.DOTALL)
        if match:
            return msg_id, tuple(match.groupdict().items())
    return None


def problem(template: str, value: str | None = None) -> Said:
    """numbers.yaml's `template` (a field's problem or missing text, the unrecognised-layout text)
    with the field's `value` (None: a text without one), as an i18n.Said whose English is exactly
    ``template.format(value=value)``."""
    args = (("value", value),) if value is not None and "{value}" in template else ()
    found = _message_of(template)
    if found is None:
        return Said(Message(AS_WRITTEN, args, default=template))
    msg_id, fixed = found
    return Said(Message(msg_id, fixed + args))
