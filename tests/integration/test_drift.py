#!/usr/bin/env python3
"""--help, the README and the man page say the same thing, and every setting keeps its bounds.

The settings table in src/config.c is the one source; --help prints it. This test holds
the two documents to --help:

  1. README.md: the usage block (the first ``` block after the "## Usage" heading) is,
     line for line and verbatim, the option section of `sockwatch --help`: its lines
     from the first that starts with "  -" to the last that starts with a space, both
     included (the blank lines and the "Settings" heading between them too).
  2. man/sockwatch.1: an option entry of --help is a line that starts with "  -" or
     "      --"; its tag is the text up to two spaces, e.g. "-d, --delay SECONDS". The
     tags of the .TP entries in the OPTIONS section (rendered as text: "\\-" is "-", no
     fonts) that start with "-" are exactly these tags, option names and argument name
     alike: none missing, none extra.
  3. Each setting (the entries between the "Settings" heading of --help and the next
     blank line) ends its text in "(default D, BOUNDS)", BOUNDS being "MIN-MAX" or
     "above MIN, up to MAX"; the text of its man page entry contains the same
     parenthesis.

And the bounds hold: for every setting of --help, a value below its bounds and one above
exit with status 2, exactly one line on stderr and nothing on stdout, as an option and
as a config-file line; every setting at its default is accepted; and --growth-rate
100000 (beyond a day, within the setting's bounds) runs `-b -n 1 -o json` with status 0.
"""
import difflib
import os
import re
import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
import swtest  # noqa: E402

TOP = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
README = os.path.join(TOP, "README.md")
MANPAGE = os.path.join(TOP, "man", "sockwatch.1")

OPTION_LINE = re.compile(r"^(?:  |      )(-[-A-Za-z0-9].*?)(?: {2,}(\S.*))?$")
NUMBER = r"[0-9]+(?:\.[0-9]+)?(?:e[+-]?[0-9]+)?"
LIMITS = re.compile(r"\((default (%s), (?:(above) (%s), up to (%s)|(%s)-(%s)))\)$"
                    % ((NUMBER,) * 5))


# ---- --help -------------------------------------------------------------------------


def help_option_section(text):
    """Rule 1: from the first line starting with "  -" to the last starting with a space."""
    lines = text.splitlines()
    first = next((i for i, l in enumerate(lines) if l.startswith("  -")), None)
    last = max((i for i, l in enumerate(lines) if l.startswith(" ")), default=None)
    if first is None or last is None or last < first:
        return []
    return lines[first:last + 1]


def help_entries(text):
    """[(tag, text, is_setting)] of every option entry of --help, wrapped text joined."""
    entries = []
    in_settings = False
    for line in text.splitlines():
        m = OPTION_LINE.match(line)
        if m:
            entries.append([m.group(1).strip(), m.group(2) or "", in_settings])
        elif line.startswith(" ") and line.strip() and entries:
            entries[-1][1] = (entries[-1][1] + " " + line.strip()).strip()
        elif line.startswith("Settings"):
            in_settings = True
        elif not line.strip() and in_settings and entries and entries[-1][2]:
            in_settings = False  # the blank line after the settings ends them
    return [tuple(e) for e in entries]


def long_name(tag):
    """'-d, --delay SECONDS' -> 'delay'."""
    m = re.search(r"--([A-Za-z0-9][-A-Za-z0-9]*)", tag)
    return m.group(1) if m else None


def setting_limits(desc):
    """(default, min, max, min_open) from a setting's help text, or None."""
    m = LIMITS.search(desc)
    if not m:
        return None
    if m.group(3):
        return float(m.group(2)), float(m.group(4)), float(m.group(5)), True
    return float(m.group(2)), float(m.group(6)), float(m.group(7)), False


# ---- the man page -------------------------------------------------------------------


def roff_args(s):
    """A request's arguments: double-quoted strings ("" is a quote) or words."""
    args, i = [], 0
    while i < len(s):
        if s[i] in " \t":
            i += 1
        elif s[i] == '"':
            j, buf = i + 1, ""
            while j < len(s):
                if s[j] == '"':
                    if s[j + 1:j + 2] == '"':
                        buf, j = buf + '"', j + 2
                        continue
                    break
                buf, j = buf + s[j], j + 1
            args.append(buf)
            i = j + 1
        else:
            j = i
            while j < len(s) and s[j] not in " \t":
                j += 1
            args.append(s[i:j])
            i = j
    return args


def plain(s):
    """Text with roff escapes for dashes, fonts and zero-width marks undone."""
    s = re.sub(r"\\f(\[[^]]*\]|\(..|.)", "", s)
    s = s.replace("\\-", "-").replace("\\(hy", "-").replace("\\(en", "-").replace("\\e", "\\")
    return s.replace("\\&", "").replace("\\%", "").replace("\\:", "")


def render(line):
    """One source line as text: font macros joined as troff sets them, other requests ''."""
    if not line.startswith((".", "'")):
        return plain(line)
    m = re.match(r"^[.']\s*([A-Za-z]+)\s*(.*)$", line)
    if not m:
        return ""  # a comment
    macro, args = m.group(1), roff_args(m.group(2))
    if macro in ("B", "I", "SM", "SB"):
        return plain(" ".join(args))
    if macro in ("BR", "RB", "BI", "IB", "IR", "RI"):
        return plain("".join(args))
    return ""


def man_options(src):
    """{tag: body text} of the .TP entries of the OPTIONS section whose tag names an option."""
    lines = src.splitlines()
    try:
        i = next(k for k, l in enumerate(lines) if re.match(r"^\.SH\s+\"?OPTIONS\"?\s*$", l))
    except StopIteration:
        return None
    entries, tag, body = {}, None, []

    def close():
        if tag is not None and tag.startswith("-"):
            entries[tag] = re.sub(r"\s+", " ", " ".join(body)).strip()

    for line in lines[i + 1:]:
        if line.startswith(".SH"):
            break
        if re.match(r"^\.(TP|SS|PP|P|LP)\b", line):
            close()
            tag, body = None, []
            if line.startswith(".TP"):
                tag = ""  # the next line is the tag
            continue
        if tag == "":
            tag = re.sub(r"\s+", " ", render(line)).strip()
            continue
        if tag is not None:
            body.append(render(line))
    close()
    return entries


# ---- the README ---------------------------------------------------------------------


def readme_usage_block(text):
    """The lines of the first ``` block after the "## Usage" heading, or None."""
    lines = text.splitlines()
    try:
        start = lines.index("## Usage")
        fence = next(k for k in range(start + 1, len(lines)) if lines[k].startswith("```"))
        end = next(k for k in range(fence + 1, len(lines)) if lines[k].startswith("```"))
    except (ValueError, StopIteration):
        return None
    if any(l.startswith("## ") for l in lines[start + 1:fence]):
        return None  # the first block is under another heading
    return lines[fence + 1:end]


# ---- checks -------------------------------------------------------------------------


def check_readme(t, helptext):
    with open(README, encoding="utf-8") as f:
        block = readme_usage_block(f.read())
    if not t.check(block is not None, "README.md has a ``` block under '## Usage'"):
        return
    want = help_option_section(helptext)
    t.check(len(want) > 5, "--help has an option section", got=want)
    if not t.check(block == want, "README.md's usage block is --help's option section, verbatim"):
        diff = difflib.unified_diff(want, block, "sockwatch --help", "README.md", lineterm="")
        t.note("\n".join(diff))


def check_manpage(t, entries):
    with open(MANPAGE, encoding="utf-8", errors="replace") as f:
        man = man_options(f.read())
    if not t.check(man is not None, "man/sockwatch.1 has an OPTIONS section"):
        return
    tags = [e[0] for e in entries]
    missing = [tag for tag in tags if tag not in man]
    extra = [tag for tag in man if tag not in tags]
    t.check(not missing, "every option entry of --help (%d) is an entry of the man page's "
            "OPTIONS, with the same argument name" % len(tags), got=missing)
    t.check(not extra, "the man page's OPTIONS has no option entry that --help lacks", got=extra)
    for tag, desc, is_setting in entries:
        if not is_setting or tag not in man:
            continue
        m = LIMITS.search(desc)
        if m:
            t.check("(%s)" % m.group(1) in man[tag],
                    "man page, %s: says (%s) as --help does" % (tag, m.group(1)), got=man[tag])


def fmt(x):
    return str(int(x)) if x == int(x) and abs(x) < 1e15 else repr(x)


def out_of_range(lo, hi, lo_open):
    """A value below the bounds (lo itself when it is refused) and one above."""
    if lo_open:
        below = lo
    elif lo <= 0:
        below = -1.0
    else:
        below = lo - 1 if lo >= 1 else lo / 2
    above = hi + 1 if hi + 1 != hi else hi * 2
    return below, above


def check_refused(t, tag, argv):
    rc, out, err = t.sockwatch(*argv, timeout=10)
    lines = err.splitlines()
    t.check(rc == 2 and len(lines) == 1 and lines[0].strip() and err.endswith("\n")
            and out == "", "%s: exit 2, one line on stderr, nothing on stdout" % tag,
            got=(rc, err, out[:200]))
    return lines[0] if lines else ""


def check_bounds(t, settings):
    empty = os.path.join(t.tmpdir, "empty.conf")
    with open(empty, "w"):
        pass  # every run reads this, not a config file of the machine's
    for tag, (default, lo, hi, lo_open) in settings:
        key = long_name(tag)
        for v in out_of_range(lo, hi, lo_open):
            value = fmt(v)
            line = check_refused(t, "sockwatch --%s %s" % (key, value),
                                 ["--config", empty, "-b", "-n", "1", "-o", "json", "--" + key,
                                  value])
            t.check(key in line, "sockwatch --%s %s: the line names the setting" % (key, value),
                    got=line)
            path = os.path.join(t.tmpdir, "%s.conf" % key)
            with open(path, "w") as f:
                f.write("# out of range\n%s = %s\n" % (key, value))
            line = check_refused(t, "config file '%s = %s'" % (key, value),
                                 ["--config", path, "-b", "-n", "1", "-o", "json"])
            t.check("%s:2:" % path in line, "config file '%s = %s': the line names file and "
                    "line" % (key, value), got=line)
    argv = ["--config", empty, "-b", "-n", "1", "-o", "json"]
    for tag, (default, lo, hi, lo_open) in settings:
        argv += ["--" + long_name(tag), fmt(default)]
    rc, out, err = t.sockwatch(*argv)
    t.check(rc == 0 and swtest.parse_json_lines(out), "every setting at its --help default: "
            "exit 0 and JSON", got=(rc, err[:300]))
    rc, snaps, out, err = t.sockwatch_json("--config", empty, "--growth-rate", "100000")
    t.check_eq(rc, 0, "sockwatch -b -n 1 -o json --growth-rate 100000: exit status")
    t.check(snaps is not None and len(snaps) == 1,
            "sockwatch -b -n 1 -o json --growth-rate 100000: one JSON object", got=out[:300])


def main(t):
    rc, helptext, err = t.sockwatch("--help", timeout=10)
    if not t.check_eq(rc, 0, "sockwatch --help: exit status"):
        return
    entries = help_entries(helptext)
    t.check(len(entries) >= 10, "--help lists option entries", got=entries)
    settings = []
    for tag, desc, is_setting in entries:
        if is_setting:
            limits = setting_limits(desc)
            if t.check(limits is not None, "--help, %s: ends in (default D, BOUNDS)" % tag,
                       got=desc):
                settings.append((tag, limits))
    t.check(len(settings) >= 9, "--help lists the settings", got=[s[0] for s in settings])
    check_readme(t, helptext)
    check_manpage(t, entries)
    check_bounds(t, settings)


swtest.run(main, __doc__)
