"""Writes html5-entities.json: the tables Python's html.unescape uses (WHATWG named character
references, the numeric references it remaps or drops), and the upper-cased names ftfy also decodes
("&EACUTE;"). CLIP's tokenizer runs ftfy.fix_text and then html.unescape twice, so the TypeScript port
(src/clip/text-clean.ts) needs the same tables. Run with Python >= 3.9; checks against ftfy if installed."""
import html
import html.entities
import json
import sys

# ftfy's extra rule: an all-lower-case name ending in ";" is also decoded upper-cased (to the
# upper-cased character) when html.unescape leaves that upper-cased spelling alone.
upper = {}
for name, char in html.entities.html5.items():
    if name.endswith(";") and name == name.lower():
        up = "&" + name.upper()
        if html.unescape(up) == up:
            upper[name.upper()] = char.upper()
try:
    from ftfy.chardata import HTML_ENTITIES
    mine = {"&" + k: v for k, v in html.entities.html5.items() if k.endswith(";")}
    mine.update({"&" + k: v for k, v in upper.items()})
    assert mine == HTML_ENTITIES, "ftfy's entity table differs from the rule above"
except ImportError:
    pass

out = {
    "upper": upper,
    "python": sys.version.split()[0],
    "named": html.entities.html5,
    "invalid_charrefs": {str(k): v for k, v in html._invalid_charrefs.items()},
    "invalid_codepoints": sorted(html._invalid_codepoints),
}
with open("html5-entities.json", "w", encoding="utf-8") as f:
    json.dump(out, f, ensure_ascii=True, separators=(",", ":"), sort_keys=True)
