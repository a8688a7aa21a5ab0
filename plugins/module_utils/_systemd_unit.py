# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hardway.nodejoin contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Edit ``--flag=value`` arguments in the ``ExecStart=`` of a systemd service unit.

Pure Python (standard library only, no Ansible imports) so that it can be unit
tested directly and shipped to targets as module_utils.

The reading rules follow systemd.syntax(7) and systemd.service(5):

* Lines are split on ``\\n`` (a ``\\r`` before it is kept as part of the line
  ending).  Empty lines and lines whose first non-blank character is ``#`` or
  ``;`` are ignored; comment lines may also appear *inside* a continued line
  and are skipped there (systemd.syntax(7), "Lines ending in a backslash are
  concatenated with the following line while reading ... comment lines that
  appear in between are ignored").
* A line ending in an odd number of backslashes is continued on the next
  (non-comment) line; the backslash is read as a space.  An empty line after a
  backslash ends the logical line.
* ``[Section]`` headers and ``Key=Value`` assignments are matched case
  sensitively after stripping blanks around them; several ``[Service]``
  sections are merged, as systemd does.
* ``ExecStart=`` with an empty value resets the list of commands
  (systemd.service(5)); this is how drop-ins replace a command, so one empty
  ``ExecStart=`` followed by one real ``ExecStart=`` is accepted.
* The executable may carry the special prefixes ``@``, ``-``, ``:``, ``+``,
  ``!``, ``!!`` (and ``|`` of newer systemd) described in systemd.service(5),
  "Table 1. Special executable prefixes".  They are kept verbatim and the
  executable (plus, with ``@``, the following argv[0] token) is never
  taken for a flag.

Arguments are split on blanks.  A token starting with ``--`` is a flag; in
``--name=value`` the value is everything after the first ``=``; a ``--name``
token followed by a token that does not start with ``-`` takes that token as
its value (``--config-dir /var/lib/kubelet/config.d/``); otherwise the flag is
bare (value ``None``).  Quoted words are kept together when locating tokens
but their quotes are not removed from reported values, and systemd quoting,
escaping, ``%`` specifiers and ``$VAR`` expansion are out of scope for the
values this code writes (values with blanks, quotes or backslashes are
refused).
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import re

__all__ = ["UnitFileError", "ABSENT", "parse_exec_start", "edit_flags", "exec_start_assignments", "normalise_flags"]

#: Marker used in the ``before``/``after`` fields of a change record when the
#: flag is not present at all.  Flag values are ``str`` or ``None`` (a bare
#: flag), so ``False`` cannot be confused with a value and stays JSON friendly.
ABSENT = False

_BLANKS = " \t"
_EXEC_PREFIX_CHARS = "@-:+!|"
_BOM = u"\ufeff"
# \Z, not $: "$" also matches before a trailing newline, which let "--x\n" through
_FLAG_NAME_RE = re.compile(r"\A--[^\s=\"'\\]+\Z")
#: C0 control characters and DEL: a flag name or value holding one could end the
#: ExecStart= line or hide text in the unit, so they are refused (issue #11).
_CONTROL_CHARS_RE = re.compile(r"[\x00-\x1f\x7f]")
_FORBIDDEN_VALUE_CHARS = "\"'\\"
_DEFAULT_INDENT = "    "


class UnitFileError(ValueError):
    """The unit text or the requested edit cannot be handled safely.

    The message says what is wrong and what to do about it.
    """


# --------------------------------------------------------------------------
# low level reading helpers
# --------------------------------------------------------------------------

def _split_lines(text):
    """Split ``text`` into ``[body, ending]`` pairs; ``''.join`` restores it."""
    lines = []
    pos = 0
    length = len(text)
    while pos < length:
        nl = text.find("\n", pos)
        if nl == -1:
            lines.append([text[pos:], ""])
            break
        body = text[pos:nl]
        if body.endswith("\r"):
            lines.append([body[:-1], "\r\n"])
        else:
            lines.append([body, "\n"])
        pos = nl + 1
    return lines


def _is_comment(body):
    stripped = body.lstrip(_BLANKS)
    return stripped[:1] in ("#", ";") and stripped != ""


def _has_continuation(body):
    """True when ``body`` ends in an odd number of backslashes (systemd.syntax(7))."""
    return (len(body) - len(body.rstrip("\\"))) % 2 == 1


def _logical_lines(lines):
    """Yield ``(content_indices, member_indices)`` for each logical line.

    ``content_indices`` are the physical lines that make up the logical line,
    ``member_indices`` additionally include the comment lines interleaved in a
    continued line.  Top level comment lines are not yielded at all.
    """
    i = 0
    count = len(lines)
    while i < count:
        if _is_comment(lines[i][0]):
            i += 1
            continue
        content = [i]
        members = [i]
        cont = _has_continuation(lines[i][0])
        i += 1
        while cont and i < count:
            members.append(i)
            if _is_comment(lines[i][0]):
                i += 1
                continue
            content.append(i)
            cont = _has_continuation(lines[i][0])
            i += 1
        yield content, members


def _logical_text(lines, content):
    parts = []
    for idx in content:
        body = lines[idx][0]
        if idx == 0 and body.startswith(_BOM):
            body = body[len(_BOM):]
        if _has_continuation(body):
            body = body[:-1] + " "
        parts.append(body)
    return "".join(parts)


def _tokenize(core, start, lineno):
    """Return ``[(start, end), ...]`` spans of the blank separated words in ``core[start:]``."""
    spans = []
    i = start
    length = len(core)
    while i < length:
        if core[i] in _BLANKS:
            i += 1
            continue
        j = i
        quote = None
        while j < length:
            char = core[j]
            if char == "\\":
                j += 2
                continue
            if quote is not None:
                if char == quote:
                    quote = None
            elif char in _BLANKS:
                break
            elif char in "\"'":
                quote = char
            j += 1
        if quote is not None:
            raise UnitFileError(
                "line %d: a quoted argument in ExecStart= is not closed on the same line; quoted "
                "arguments spanning continuation lines are not supported, put the quoted word on "
                "one line" % lineno)
        j = min(j, length)
        spans.append((i, j))
        i = j
    return spans


# --------------------------------------------------------------------------
# model of the ExecStart= block
# --------------------------------------------------------------------------

class _Token(object):
    __slots__ = ("sep", "text", "deleted", "line")

    def __init__(self, sep, text, line):
        self.sep = sep
        self.text = text
        self.deleted = False
        self.line = line


class _Line(object):
    """One physical content line of the ExecStart= block, editable token-wise."""

    def __init__(self, index, body, ending, start, is_key):
        self.index = index
        self.original = body + ending
        self.ending = ending
        self.is_key = is_key
        self.dirty = False
        self.backslash = _has_continuation(body)
        core = body[:-1] if self.backslash else body
        spans = _tokenize(core, start, index + 1)
        self.tokens = []
        if spans:
            self.prefix = core[:spans[0][0]]
            self.trailing = core[spans[-1][1]:]
            prev_end = spans[0][0]
            for s, e in spans:
                self.tokens.append(_Token(core[prev_end:s], core[s:e], self))
                prev_end = e
        else:
            self.prefix = core
            self.trailing = ""
        self.had_tokens = bool(self.tokens)

    @classmethod
    def new(cls, indent, text, ending):
        line = cls.__new__(cls)
        line.index = None
        line.original = None
        line.ending = ending
        line.is_key = False
        line.dirty = True
        line.backslash = False
        line.prefix = indent
        line.trailing = ""
        line.tokens = []
        line.tokens.append(_Token("", text, line))
        line.had_tokens = True
        return line

    def live(self):
        return [t for t in self.tokens if not t.deleted]

    def set_backslash(self, wanted, sep):
        if self.backslash == wanted:
            return
        self.backslash = wanted
        self.trailing = sep if wanted else ""
        self.dirty = True

    def render(self):
        if not self.dirty:
            return self.original
        live = self.live()
        out = [self.prefix]
        if live:
            out.append(live[0].text)
            out.extend(t.sep + t.text for t in live[1:])
        out.append(self.trailing)
        if self.backslash:
            out.append("\\")
        out.append(self.ending)
        return "".join(out)


class _Flag(object):
    __slots__ = ("name", "value", "form", "token", "value_token")

    def __init__(self, name, value, form, token, value_token):
        self.name = name
        self.value = value
        self.form = form  # "eq", "space" or "bare"
        self.token = token
        self.value_token = value_token


class _ExecStart(object):
    """The single effective ExecStart= of the [Service] section(s) of a unit."""

    def __init__(self, text):
        if not isinstance(text, str):
            raise UnitFileError("unit file content must be text (str), got %s" % type(text).__name__)
        self.lines = _split_lines(text)
        self.members = None
        self.content = None
        self._locate()
        self._build()

    # -- locating -----------------------------------------------------------
    def _locate(self):
        section = None
        seen_service = False
        assignments = []  # (members, content, empty)
        for content, members in _logical_lines(self.lines):
            logical = _logical_text(self.lines, content).strip(_BLANKS + "\r\n")
            if not logical:
                continue
            if logical.startswith("["):
                section = logical[1:-1] if logical.endswith("]") else None
                if section == "Service":
                    seen_service = True
                continue
            if section != "Service" or "=" not in logical:
                continue
            key, value = logical.split("=", 1)
            if key.strip(_BLANKS) != "ExecStart":
                continue
            assignments.append((members, content, value.strip(_BLANKS + "\r\n") == ""))

        if not seen_service:
            raise UnitFileError(
                "no [Service] section found; this is not a service unit (systemd.service(5)). "
                "Point path at the .service file or the drop-in that contains ExecStart=")
        real = [a for a in assignments if not a[2]]
        if not real:
            raise UnitFileError(
                "no non-empty ExecStart= in the [Service] section; this only edits the flags of an "
                "existing command line, so write the ExecStart= line first (for example with a template)")
        if len(real) > 1:
            raise UnitFileError(
                "found %d non-empty ExecStart= assignments in [Service] (lines %s); only a unit with "
                "exactly one command line can be edited (an empty 'ExecStart=' reset followed by one "
                "command, as in drop-ins, is fine). Merge them into one ExecStart= or edit the unit by hand"
                % (len(real), ", ".join(str(a[1][0] + 1) for a in real)))
        members, content, _empty = real[0]
        later_resets = [a for a in assignments if a[2] and a[1][0] > content[0]]
        if later_resets:
            raise UnitFileError(
                "the empty 'ExecStart=' on line %d resets the command set on line %d, so the unit has "
                "no effective command; remove the reset line or move it before the command"
                % (later_resets[0][1][0] + 1, content[0] + 1))
        self.members = members
        self.content = content

    # -- tokenising ---------------------------------------------------------
    def _build(self):
        key_index = self.content[0]
        key_body = self.lines[key_index][0]
        eq = key_body.find("=")
        if eq == -1:
            raise UnitFileError(
                "line %d: 'ExecStart' and its '=' are split over continuation lines; put "
                "'ExecStart=' on one line" % (key_index + 1))
        self.models = {}
        self.tokens = []
        for idx in self.content:
            body, ending = self.lines[idx]
            model = _Line(idx, body, ending, eq + 1 if idx == key_index else 0, idx == key_index)
            self.models[idx] = model
            self.tokens.extend(model.tokens)
        self.key_index = key_index
        self.flags = self._parse_flags()

    def _parse_flags(self):
        toks = self.tokens
        if not toks:
            raise UnitFileError("line %d: ExecStart= has no command" % (self.key_index + 1))
        for tok in toks:
            if tok.text == ";":
                raise UnitFileError(
                    "line %d: ExecStart= contains a lone ';' (several commands in one line); only a "
                    "single command can be edited, split it or edit the unit by hand" % (tok.line.index + 1))
            if tok.text == "--":
                raise UnitFileError(
                    "line %d: ExecStart= contains the end-of-options marker '--'; flags cannot be "
                    "placed safely around it, edit this unit by hand" % (tok.line.index + 1))
        executable = toks[0].text
        prefixes = executable[:len(executable) - len(executable.lstrip(_EXEC_PREFIX_CHARS))]
        k = 2 if "@" in prefixes else 1
        flags = []
        while k < len(toks):
            tok = toks[k]
            text = tok.text
            if text.startswith("--") and len(text) > 2:
                if "=" in text:
                    name, value = text.split("=", 1)
                    flags.append(_Flag(name, value, "eq", tok, None))
                elif k + 1 < len(toks) and not toks[k + 1].text.startswith("-"):
                    flags.append(_Flag(text, toks[k + 1].text, "space", tok, toks[k + 1]))
                    k += 1
                else:
                    flags.append(_Flag(text, None, "bare", tok, None))
            k += 1

        seen = {}
        for flag in flags:
            seen.setdefault(flag.name, []).append(flag.token.line.index + 1)
        for name, where in seen.items():
            if len(where) > 1:
                raise UnitFileError(
                    "flag %s appears %d times in ExecStart= (lines %s), so it is ambiguous which one to "
                    "edit; keep a single occurrence (edit the unit by hand) and run again"
                    % (name, len(where), ", ".join(str(n) for n in where)))
        return flags

    # -- editing ------------------------------------------------------------
    def set_value(self, flag, value):
        flag.token.line.dirty = True
        if value is None:
            if flag.form == "space":
                self._delete(flag.value_token)
            flag.token.text = flag.name
        elif flag.form == "space" and value != "" and not value.startswith("-"):
            flag.value_token.text = value
            flag.value_token.line.dirty = True
        else:
            if flag.form == "space":
                self._delete(flag.value_token)
            flag.token.text = "%s=%s" % (flag.name, value)

    def remove(self, flag):
        self._delete(flag.token)
        if flag.value_token is not None:
            self._delete(flag.value_token)

    @staticmethod
    def _delete(token):
        token.deleted = True
        token.line.dirty = True

    def render(self, additions):
        """Return the new text; ``additions`` is a list of tokens to append."""
        models = self.models
        content = list(self.content)
        dropped = set()
        for idx in content:
            model = models[idx]
            if model.had_tokens and not model.live() and not model.is_key:
                dropped.add(idx)
        kept = [idx for idx in content if idx not in dropped]
        token_lines = [idx for idx in kept if models[idx].live()]
        last = token_lines[-1]

        # style of the existing continuation lines
        trailings = set(models[idx].trailing for idx in content
                        if models[idx].backslash and models[idx].had_tokens)
        bs_sep = trailings.pop() if len(trailings) == 1 else " "
        newline = self._newline(last)

        inserted = []
        if additions:
            if len(self.members) == 1:
                model = models[last]
                for text in additions:
                    model.tokens.append(_Token(" ", text, model))
                model.dirty = True
            else:
                if models[last].is_key:
                    indent = _DEFAULT_INDENT
                else:
                    indent = models[last].prefix
                final_ending = models[last].ending
                if final_ending == "":
                    models[last].ending = newline
                    models[last].dirty = True
                for pos, text in enumerate(additions):
                    is_final = pos == len(additions) - 1
                    line = _Line.new(indent, text, final_ending if is_final else newline)
                    if not is_final:
                        line.set_backslash(True, bs_sep)
                    inserted.append(line)

        # fix continuation backslashes: every line up to the last one that
        # carries tokens continues, that one does not, and token-less
        # continuation lines after it would dangle, so they go.
        seen_last = False
        for idx in kept:
            model = models[idx]
            if seen_last:
                if model.backslash:
                    dropped.add(idx)
                continue
            if idx == last:
                seen_last = True
                model.set_backslash(bool(inserted), bs_sep)
            else:
                model.set_backslash(True, bs_sep)
        for line in inserted[:-1]:
            line.set_backslash(True, bs_sep)

        out = []
        for idx, (body, ending) in enumerate(self.lines):
            if idx in dropped:
                continue
            if idx in models:
                out.append(models[idx].render())
            else:
                out.append(body + ending)
            if idx == last:
                out.extend(line.render() for line in inserted)
        return "".join(out)

    def _newline(self, last):
        ending = self.models[last].ending
        if ending:
            return ending
        for _body, other in self.lines:
            if other:
                return other
        return "\n"


# --------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------

def _check_name(name):
    if not isinstance(name, str) or not name.startswith("--"):
        raise UnitFileError(
            "flag name %r must start with '--' (only long --flag options are handled)" % (name,))
    if _CONTROL_CHARS_RE.search(name):
        raise UnitFileError(
            "flag name %r contains a control character (a newline, tab, NUL, DEL, ...); "
            "a flag name is a plain --name" % (name,))
    if not _FLAG_NAME_RE.match(name):
        raise UnitFileError(
            "flag name %r is not a plain --name: it must not contain '=', blanks, quotes or "
            "backslashes" % (name,))


def _check_value(name, value):
    if value is None:
        return
    if not isinstance(value, str):
        raise UnitFileError(
            "value of %s must be a string or None (for a bare flag), got %s; convert it, "
            "e.g. booleans to 'true'/'false'" % (name, type(value).__name__))
    if any(c.isspace() for c in value):
        raise UnitFileError(
            "value of %s contains whitespace or a newline (%r); systemd quoting is out of scope, "
            "so such values are refused: use a value without blanks (e.g. a comma separated list "
            "or a config file)" % (name, value))
    if _CONTROL_CHARS_RE.search(value):
        raise UnitFileError(
            "value of %s contains a control character (%r); such values are refused, as they "
            "could end the ExecStart= line or hide text in the unit" % (name, value))
    if any(c in _FORBIDDEN_VALUE_CHARS for c in value):
        raise UnitFileError(
            "value of %s contains a quote or backslash (%r); systemd quoting and escaping are out "
            "of scope, so such values are refused" % (name, value))


def parse_exec_start(text):
    """List the flags of the single ``ExecStart=`` in the ``[Service]`` section.

    :arg text: the unit file (or drop-in) content as ``str``.
    :returns: ``[(flag, value_or_None), ...]`` in command line order, e.g.
        ``[("--config-dir", "/var/lib/kubelet/config.d/"), ("--node-ip", "10.77.0.11")]``.
        Only tokens starting with ``--`` are flags; ``--a=1`` gives ``("--a", "1")``,
        ``--a 1`` (next token not starting with ``-``) gives ``("--a", "1")`` and a bare
        ``--a`` gives ``("--a", None)``.  The executable, its special prefixes
        (``@``, ``-``, ``:``, ``+``, ``!``, ``!!``, systemd.service(5)) and, with ``@``,
        the argv[0] token are never flags.
    :raises UnitFileError: no ``[Service]`` section; no non-empty ``ExecStart=``;
        more than one non-empty ``ExecStart=`` (one empty reset line before the real
        one is fine, see systemd.service(5)); an empty reset *after* the command;
        the same flag more than once; a lone ``;`` or ``--`` token; a quoted word
        that is not closed on its physical line.

    Continuation lines (trailing backslash) and comment lines between them are
    read as described in systemd.syntax(7).
    """
    return [(f.name, f.value) for f in _ExecStart(text).flags]


def edit_flags(text, present=None, absent=None):
    """Ensure flags are present with a value, or absent, in the unit's ``ExecStart=``.

    :arg text: the unit file content as ``str``.
    :arg present: ``{"--flag": value}``; ``value`` is a ``str`` (written as
        ``--flag=value``) or ``None`` (a bare ``--flag``).  An existing flag is
        changed in place and keeps its form (``--x=old`` -> ``--x=new``,
        ``--x old`` -> ``--x new``; a bare flag that gets a value becomes
        ``--x=value``).  Missing flags are appended, in the given order: for a
        one-line ``ExecStart=`` on the same line separated by a space, otherwise
        each on a new continuation line after the last argument line, indented
        like that line (4 spaces if there is none) with `` \\`` added to the
        line before it.
    :arg absent: iterable of flag names to remove together with a space
        separated value; a physical line left empty is dropped and the trailing
        backslash of the new last line is removed (systemd.syntax(7)).
    :returns: ``(new_text, changes)``; ``changes`` is a list of
        ``{"flag": name, "before": old, "after": new, "action": a}`` with
        ``a`` one of ``"added"``, ``"changed"``, ``"removed"`` and ``old``/``new``
        a value, ``None`` for a bare flag or :data:`ABSENT` (``False``) when the
        flag is not there.  When nothing changes ``new_text`` is ``text``
        (byte for byte) and ``changes`` is ``[]``.  Every other character of
        the file (other flags, indentation, comments, line endings) is kept.
    :raises UnitFileError: for every error of :func:`parse_exec_start`; a flag
        name not starting with ``--`` (or containing ``=``, blanks, quotes,
        backslashes); a value that is not ``str``/``None`` or contains
        whitespace, a newline, a quote or a backslash (systemd quoting is out of
        scope); a flag both in ``present`` and ``absent``.
    """
    present = dict(present or {})
    if isinstance(absent, str):
        absent = [absent]
    absent_names = []
    for name in absent or ():
        if name not in absent_names:
            absent_names.append(name)
    for name, value in present.items():
        _check_name(name)
        _check_value(name, value)
    for name in absent_names:
        _check_name(name)
    both = [n for n in absent_names if n in present]
    if both:
        raise UnitFileError(
            "flag(s) %s requested both present and absent; ask for one state per flag" % ", ".join(both))

    unit = _ExecStart(text)
    by_name = dict((f.name, f) for f in unit.flags)
    changes = []
    additions = []
    for name, value in present.items():
        flag = by_name.get(name)
        if flag is None:
            additions.append(name if value is None else "%s=%s" % (name, value))
            changes.append({"flag": name, "before": ABSENT, "after": value, "action": "added"})
        elif flag.value != value:
            unit.set_value(flag, value)
            changes.append({"flag": name, "before": flag.value, "after": value, "action": "changed"})
    for name in absent_names:
        flag = by_name.get(name)
        if flag is not None:
            unit.remove(flag)
            changes.append({"flag": name, "before": flag.value, "after": ABSENT, "action": "removed"})
    if not changes:
        return text, []
    return unit.render(additions), changes


def exec_start_assignments(text):
    """List the ``ExecStart=`` assignments of the ``[Service]`` section(s) of one unit file or
    drop-in, in file order.

    :arg text: the file content as ``str``.
    :returns: ``[(kind, value), ...]`` with ``kind`` ``"reset"`` or ``"command"`` and ``value``
        the logical line's value (continuations joined), e.g. ``[("reset", ""), ("command",
        "/usr/local/bin/kube-apiserver --v=2")]`` for a ``systemctl edit`` override; ``[]``
        when the file sets no ``ExecStart=`` (or has no ``[Service]`` section).

    Lines are read with the rules of systemd.syntax(7) (continuations, comments), as
    :func:`parse_exec_start` does; an empty value resets the command list
    (systemd.service(5), "ExecStart=").  Never raises for well-formed text.
    """
    lines = _split_lines(text)
    section = None
    found = []
    for content, _members in _logical_lines(lines):
        logical = _logical_text(lines, content).strip(_BLANKS + "\r\n")
        if not logical:
            continue
        if logical.startswith("["):
            section = logical[1:-1] if logical.endswith("]") else None
            continue
        if section != "Service" or "=" not in logical:
            continue
        key, value = logical.split("=", 1)
        if key.strip(_BLANKS) == "ExecStart":
            value = value.strip(_BLANKS + "\r\n")
            found.append(("reset" if value == "" else "command", value))
    return found


def normalise_flags(flags, state="present"):
    """The flags of a ``systemd_unit_flags`` request as an ordered list of ``(--name, value)``.

    :arg flags: dict of flag name (``--name``, ``-n`` or ``name``, which becomes ``--name``) to
        value: str, int/float (as text), bool (``true``/``false``) or ``None`` (a bare flag).
    :arg state: ``present``, or ``absent`` (values are ignored, all ``None``).
    :returns: list of ``(name, value)`` with values as ``str`` or ``None``, in request order.
    :raises UnitFileError: two keys mean the same flag (``x`` and ``--x``), a value of another
        type, or a name or value :func:`edit_flags` refuses (not ``--name``; blanks, quotes,
        backslashes or control characters), naming the flag. Usable on its own to check flags
        that go into a unit some other way (e.g. a template).
    """
    result = []
    seen = {}
    for raw_name, raw_value in (flags or {}).items():
        name = str(raw_name)
        if not name.startswith("-"):
            name = "--" + name
        if name in seen:
            raise UnitFileError("flags %r and %r both mean %s; give each flag once" % (seen[name], raw_name, name))
        seen[name] = raw_name
        if state == "absent" or raw_value is None:
            value = None
        elif isinstance(raw_value, bool):
            value = "true" if raw_value else "false"
        elif isinstance(raw_value, (int, float)):
            value = str(raw_value)
        elif isinstance(raw_value, str):
            value = raw_value
        else:
            raise UnitFileError("value of flag %s must be a string, number, boolean or null, got %s"
                                % (name, type(raw_value).__name__))
        _check_name(name)
        _check_value(name, value)
        result.append((name, value))
    return result
