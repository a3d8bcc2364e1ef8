"""One static HTML page of the event catalog, rendered from the AsyncAPI document.

Plain HTML and CSS, no script and nothing fetched: it opens from the file system
or any static host, offline. Each event shows who publishes and who consumes it,
its data fields (type, required, description) and its example.
"""
from __future__ import annotations

import json
import re
from html import escape as _escape

CODE_SPAN = re.compile(r"`([^`]+)`")


def escape(text: str) -> str:
    """HTML-escaped, with Markdown `code` spans kept as code."""
    return CODE_SPAN.sub(r"<code>\1</code>", _escape(text))

STYLE = """
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1d2430;background:#f6f7f9}
header{background:#1f3a5f;color:#fff;padding:1.2rem 2rem}header p{max-width:70rem;opacity:.9}
main{display:grid;grid-template-columns:18rem 1fr;gap:2rem;padding:1.5rem 2rem}
nav{position:sticky;top:1rem;align-self:start;max-height:92vh;overflow:auto;font-size:13px}
nav h3{margin:.8rem 0 .2rem}nav a{display:block;color:#1f3a5f;text-decoration:none}
section{background:#fff;border:1px solid #dde2ea;border-radius:8px;padding:1rem 1.4rem;margin-bottom:1.2rem}
code,pre{font:13px ui-monospace,monospace}h2 code{font-size:20px}pre{background:#f1f3f6;padding:.8rem;overflow:auto;border-radius:6px}
table{border-collapse:collapse;width:100%;font-size:13px}td,th{border-top:1px solid #e5e8ee;padding:.3rem .5rem;
text-align:left;vertical-align:top}.req{color:#b3261e;font-weight:600}.meta{color:#5a6372}
@media (max-width:800px){main{grid-template-columns:1fr}nav{position:static;max-height:none}}
"""


def render_html(document: dict) -> str:
    channels = document["channels"]
    messages = document["components"]["messages"]
    by_owner: dict[str, list[str]] = {}
    for event_type in channels:
        by_owner.setdefault(_owner(channels[event_type]), []).append(event_type)
    server = next(iter(document["servers"].values()))
    parts = [
        "<!doctype html>", '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(document['info']['title'])}</title><style>{STYLE}</style></head><body>",
        f"<header><h1>{escape(document['info']['title'])} <small>v{escape(document['info']['version'])}</small></h1>",
        f"<p>{escape(document['info']['description'])}</p></header><main><nav>",
        '<a href="#servers"><strong>Servers and names</strong></a>',
    ]
    for owner, types in sorted(by_owner.items()):
        parts.append(f"<h3>{escape(owner)}</h3>")
        parts.extend(f'<a href="#{escape(t)}">{escape(t)}</a>' for t in sorted(types))
    parts.append("</nav><div>")
    parts.append(_server_section(server))
    for event_type in sorted(channels):
        parts.append(_event_section(event_type, channels[event_type], messages))
    parts.append("</div></main></body></html>\n")
    return "\n".join(parts)


def _owner(channel: dict) -> str:
    return channel["description"].split("Published by ", 1)[1].split(".", 1)[0]


def _server_section(server: dict) -> str:
    variables = "".join(f"<tr><td><code>{escape(name)}</code></td><td><code>{escape(v['default'])}</code></td>"
                        f"<td>{escape(v.get('description', ''))}</td></tr>"
                        for name, v in server.get("variables", {}).items())
    return (f'<section id="servers"><h2>Servers and names</h2><p><code>amqp://{escape(server["url"])}</code> '
            f'(AMQP {escape(server["protocolVersion"])})</p><p>{escape(server["description"])}</p>'
            f"<table><tr><th>variable</th><th>default</th><th></th></tr>{variables}</table></section>")


def _event_section(event_type: str, channel: dict, messages: dict) -> str:
    operation = channel.get("subscribe") or channel.get("publish")
    message = messages[operation["message"]["$ref"].rsplit("/", 1)[1]]
    data = message["payload"]["properties"]["data"]
    rows = "".join(_field_rows(data))
    example = ""
    if message.get("examples"):
        example = ("<details><summary>Example</summary><pre>"
                   f"{escape(json.dumps(message['examples'][0]['payload'], ensure_ascii=False, indent=2))}"
                   "</pre></details>")
    return (f'<section id="{escape(event_type)}"><h2><code>{escape(event_type)}</code></h2>'
            f"<p>{escape(message.get('summary', ''))}</p><p class=\"meta\">{escape(channel['description'])} "
            f"Routing key <code>{escape(event_type)}</code>; "
            f"<code>dataschema</code> {escape(message['payload']['properties']['dataschema']['enum'][0])}.</p>"
            f"<table><tr><th>data field</th><th>type</th><th>description</th></tr>{rows}</table>{example}</section>")


def _field_rows(schema: dict, prefix: str = ""):
    required = set(schema.get("required", ()))
    for name, field in schema.get("properties", {}).items():
        kind = field.get("type", "object")
        if isinstance(kind, list):
            kind = " | ".join(kind)
        if field.get("format"):
            kind += f" ({field['format']})"
        if "enum" in field:
            kind += ": " + ", ".join(str(v) for v in field["enum"])
        mark = ' <span class="req">required</span>' if name in required else ""
        yield (f"<tr><td><code>{escape(prefix + name)}</code>{mark}</td><td>{escape(str(kind))}</td>"
               f"<td>{escape(field.get('description', ''))}</td></tr>")
        if field.get("type") == "object":
            yield from _field_rows(field, f"{prefix}{name}.")
        elif field.get("type") == "array" and isinstance(field.get("items"), dict):
            yield from _field_rows(field["items"], f"{prefix}{name}[].")
