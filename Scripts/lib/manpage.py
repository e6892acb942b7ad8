"""Turns `gainsay --experimental-dump-help` (ArgumentParser's ToolInfo JSON) into an mdoc(7) man page.

Discussions follow the convention in Clients/gainsay/HelpText.swift: paragraphs are single lines separated
by blank lines (filled here like any man page text), and an `EXAMPLES:` line starts pre-formatted example
lines, rendered as a literal block (the root command's as the EXAMPLES section).
"""
import json
import sys
import textwrap


def esc(text):
    lines = []
    for line in (text or "").splitlines():
        line = line.replace("\\", "\\e")
        if line.startswith((".", "'")):
            line = "\\&" + line
        lines.append(line)
    return "\n".join(lines)


def split_examples(text):
    """(prose, examples): the discussion before an `EXAMPLES:` line, and the lines after it, dedented."""
    lines = (text or "").splitlines()
    if "EXAMPLES:" not in lines:
        return "\n".join(lines), ""
    at = lines.index("EXAMPLES:")
    return "\n".join(lines[:at]).rstrip(), textwrap.dedent("\n".join(lines[at + 1:])).strip("\n")


def literal(text):
    return [".Bd -literal -offset indent", esc(text), ".Ed"]


def prose(text):
    """Paragraphs separated by blank lines become .Pp paragraphs; indented lines stay literal."""
    out = []
    block = []
    for line in text.splitlines() + [""]:
        if line[:1].isspace() and line.strip():
            block.append(line)
            continue
        if block:
            out += literal(textwrap.dedent("\n".join(block)))
            block = []
        if not line.strip():
            if out and out[-1] != ".Pp":
                out.append(".Pp")
        else:
            out.append(esc(line))
    while out and out[-1] == ".Pp":
        out.pop()
    return out


def usage(command, path):
    parts = []
    for argument in command.get("arguments", []):
        if not argument.get("shouldDisplay", True):
            continue
        name = argument.get("preferredName", {}).get("name", argument.get("valueName", ""))
        value = argument.get("valueName", "value")
        if argument["kind"] == "positional":
            piece = "Ar %s" % value
        elif argument["kind"] == "flag":
            piece = "Fl -%s" % name
        else:
            piece = "Fl -%s Ar %s" % (name, value)
        if argument.get("isOptional"):
            piece = "Op %s" % piece
        parts.append(piece + (" Ar ..." if argument.get("isRepeating") else ""))
    return [".Nm %s" % " ".join(path[1:]) if len(path) > 1 else ".Nm"] + [".%s" % p for p in parts]


def options(command):
    out = []
    arguments = [a for a in command.get("arguments", []) if a.get("shouldDisplay", True)]
    if not arguments:
        return out
    out.append(".Bl -tag -width 6n")
    for argument in arguments:
        if argument["kind"] == "positional":
            out.append(".It Ar %s" % argument.get("valueName", ""))
        else:
            names = " , ".join(
                ("Fl -%s" if n["kind"] == "long" else "Fl %s") % n["name"] for n in argument.get("names", []))
            value = "" if argument["kind"] == "flag" else " Ar %s" % argument.get("valueName", "value")
            out.append(".It %s%s" % (names, value))
        text = argument.get("abstract", "")
        if argument.get("defaultValue"):
            text += " (default: %s)" % argument["defaultValue"]
        out.append(esc(text))
    out.append(".El")
    return out


def walk(command, path, out):
    for sub in command.get("subcommands", []):
        if not sub.get("shouldDisplay", True) or sub["commandName"] == "help":
            continue
        sub_path = path + [sub["commandName"]]
        out.append(".It Nm %s" % " ".join(sub_path[1:]))
        out.append(esc(sub.get("abstract", "")))
        if sub.get("discussion"):
            text, examples = split_examples(sub["discussion"])
            if text:
                out.append(".Pp")
                out.extend(prose(text))
            if examples:
                out += [".Pp", "Examples:"] + literal(examples)
        if sub.get("subcommands"):
            out.append(".Bl -tag -width 6n")
            walk(sub, sub_path, out)
            out.append(".El")
        else:
            out.append(".Pp")
            out.append(".Bd -literal -offset indent")
            out.append(esc(" ".join(sub_path) + " " + synopsis(sub)))
            out.append(".Ed")
            out.extend(options(sub))


def synopsis(command):
    parts = []
    for argument in command.get("arguments", []):
        if not argument.get("shouldDisplay", True):
            continue
        name = argument.get("preferredName", {}).get("name", "")
        value = argument.get("valueName", "value").upper()
        if argument["kind"] == "positional":
            piece = "<%s>" % argument.get("valueName", "")
        elif argument["kind"] == "flag":
            piece = "--%s" % name
        else:
            piece = "--%s %s" % (name, value)
        if argument.get("isOptional"):
            piece = "[%s]" % piece
        parts.append(piece + ("..." if argument.get("isRepeating") else ""))
    return " ".join(parts)


def main():
    info = json.load(sys.stdin)["command"]
    name = info["commandName"]
    description, examples = split_examples(info.get("discussion", ""))
    out = [
        ".Dd $Mdocdate$",
        ".Dt %s 1" % name.upper(),
        ".Os",
        ".Sh NAME",
        ".Nm %s" % name,
        ".Nd %s" % esc(info.get("abstract", "")),
        ".Sh SYNOPSIS",
        ".Nm",
        ".Ar command",
        ".Op Ar options",
        ".Sh DESCRIPTION",
        *prose(description),
        ".Sh COMMANDS",
        ".Bl -tag -width 6n",
    ]
    walk(info, [name], out)
    out += [
        ".El",
        ".Sh ENVIRONMENT",
        ".Bl -tag -width 6n",
        ".It Ev GAINSAY_SOCKET",
        "The daemon's socket, unless --socket is given.",
        ".It Ev NO_COLOR",
        "When set, output is never coloured.",
        ".El",
        ".Sh EXIT STATUS",
        "0 on success; 64 for a usage error; otherwise 64 plus the gRPC status code of the failure:",
        "67 INVALID_ARGUMENT, 69 NOT_FOUND, 70 ALREADY_EXISTS, 71 PERMISSION_DENIED,",
        "73 FAILED_PRECONDITION, 78 UNAVAILABLE (gainsayd is not running).",
        *([".Sh EXAMPLES"] + literal(examples) if examples else []),
        ".Sh SEE ALSO",
        ".Xr gainsayd 8",
    ]
    print("\n".join(line for line in out if line is not None))


main()
