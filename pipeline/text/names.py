"""Person names for redaction: a gazetteer of first names and the rules that use it.

First names common in Denmark, Norway, Sweden and English-speaking countries, the ones that are
also ordinary words in one of these languages (they need context), capitalised words that are
never taken as names, and the phrases that introduce a name (sign-offs, relatives, staff,
"spoke to"). `find_names` applies them: a capitalised gazetteer name (plus the capitalised
surnames after it), an ambiguous one only with context, any capitalised word after a phrase
that introduces a name, and a lower-case gazetteer name only after such a phrase.
`pipeline.text.redact` turns the offsets into `[PERSON]` placeholders.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

FIRST_NAMES: Final = frozenset(
    """
    Aage Aase Adam Adrian Agnes Agneta Ahmed Aisha Aksel Albert Alberte Albin Alexander
    Alexandra Alexis Alfie Alfred Ali Alice Alma Amalie Amanda Amelia Amir Amy Andrea Andreas
    Andrew Andy Anette Angela Anita Ann Anna Anne Anneli Annette Annie Annika Anton Arne Arvid
    Asger Astrid Audun Ava Axel Barbara Ben Benjamin Benny Bente Berit Bettina Birgit Birgitta
    Birgitte Birthe Bjarne Björn Bjørg Bjørn Bob Bodil Brenda Brian Britt Britta Camilla Carina
    Carl Carla Carol Caroline Carsten Catherine Cecilia Cecilie Charles Charlie Charlotte Chloe
    Chris Christian Christina Christine Christoffer Christopher Clara Claus Connor Cynthia Dan
    Daniel Danielle Dave David Deborah Dennis Diana Ditte Donna Dorte Dorthe Ebba Ebbe Edith
    Edward Egil Eileen Einar Eirik Eivind Eli Elias Elin Elisabeth Elizabeth Ella Ellen Ellie
    Elsa Elsebeth Emelie Emil Emilie Emily Emma Erik Erika Erling Espen Ethan Eva Evelyn Felix
    Filip Finn Flemming Frank Freddie Frederik Fredrik Freja Frida Gabriel Gary Gaute Geir
    George Gerd Gitte Gro Gry Gudrun Gunhild Gunilla Gunnar Gunnel Gunnhild Guri Gustav Göran
    Hakon Halvor Hanna Hannah Hanne Harald Harry Hassan Hege Heidi Helen Helena Helene Helge
    Helle Henning Henrik Henry Hilde Hugo Håkon Ian Ib Ida Inga Inge Inger Ingrid Ingvild Irene
    Isa Isabel Isabella Isabelle Isak Isla Ivar Jacob Jake Jakob James Jamie Jan Janne Jasmin
    Jason Jennifer Jenny Jens Jeppe Jesper Jessica Jette Jim Joakim Joe Johan Johanna Johanne
    Johannes John Jon Jonas Jonathan Josefine Joseph Josh Joshua Julia Julie Jytte Jörgen
    Jørgen Jørn Kaare Kai Kaj Kalle Karen Kari Karin Karina Karl Kasper Katarina Kate Katherine
    Katrine Kelly Kenneth Kerstin Kevin Kirsten Kirstine Kjell Kjersti Klaus Knud Knut Kristian
    Kristin Kristina Kristoffer Kurt Kåre Lars Lasse Laura Lauren Leif Lena Lene Leo Liam Linda
    Line Linn Linnea Linnéa Lisa Lisbeth Lise Liselotte Lone Lotta Lotte Louise Lucas Lucy
    Ludvig Lukas Luke Mads Magnus Maja Malene Malin Marcus Maren Margaret Margareta Mari Maria
    Mariam Marianne Marie Marit Marius Markus Martha Martin Mathias Mathilde Matilda Matt
    Matthew Mattias Max Maya Megan Merete Mette Mia Michael Michelle Mikael Mike Mikkel Moa
    Mogens Mohamed Mohammad Mohammed Mona Monica Morten Märta Nadia Nanna Natalie Nathan Neil
    Nicholas Nicolai Nicole Niels Niklas Nikolaj Nils Nina Noah Nora Oda Olav Ole Oliver Olivia
    Olle Olof Omar Oscar Oskar Ove Palle Patrick Patrik Paul Per Pernilla Pernille Pete Peter
    Petra Petter Phil Philip Pia Poppy Poul Preben Priya Pål Rachel Ragnar Ragnhild Raj Randi
    Rasmus Ravi Rebecca Reidar Richard Rikke Rita Robert Roger Rolf Ronja Rune Ruth Ryan Sam
    Samuel Sander Sandra Sanna Sara Sarah Sean Sebastian Selma Signe Sigrid Sigurd Silje Simen
    Simon Sindre Sissel Sofia Sofie Solveig Sophia Sophie Stefan Steffen Stein Steinar Stephen
    Steve Steven Stian Stina Stine Sune Susan Susanne Svein Sven Svend Sverre Synnøve Sören
    Søren Terje Thea Theo Thomas Tilde Tim Timothy Tina Tine Tobias Tone Tonje Tony Tor Torben
    Tore Torill Torstein Tove Trine Troels Trond Trygve Turid Tuva Ulf Ulla Ulrik Unni Valdemar
    Vegard Vera Vibeke Victor Victoria Vidar Viktor Vilde Vilma Wenche William Wilma Ylva Yusuf
    Zainab Zoe Åke Åsa Åse Ørjan Øystein Øyvind
    """.split()
)

#: First names that are also ordinary words (or months) in English, Danish, Norwegian or
#: Swedish; they count as names only with context (see `pipeline.text.redact`).
AMBIGUOUS_NAMES: Final = frozenset(
    """
    Amber April Are Art Ask August Bent Bill Bo Dag Dawn Drew Else Even Faith Finn Frank Grace
    Gun Guy Hans Have Holly Hope Inga Jack Jan Jo June Joy Kim Klara Line Liv Lone Love Lykke Mai
    Mark Max May Nick Odd Pat Per Ray Rob Rose Ruby Rut Saga Sanna Siri Siv Sol Stein Sten Stig Sue
    Summer Tage Tom Tone Vagn Will
    """.split()
)

#: Ambiguous names that are also month names: never names next to a number or after "in/on".
MONTH_NAMES: Final = frozenset({"April", "August", "June", "May", "Mai"})

#: Capitalised words never taken as a name or a surname, even after "talte med" or a sign-off:
#: function words, greetings, titles, weekdays, months, companies and products, service words.
NOT_NAMES: Final = frozenset(
    """
    A Af Al All Alle Alla Also Altså An And Anyway At Av Bare Best Bot But By Care Ceo Chat
    Chatbot Chatten Cheers Customer De Dear Del Den Denne Dere Deres Der Det Dette Din Dit Ditt
    Do Dr Du Efter Eller En Er Ert Et Etter Ett Familien Familie Familjen For Fra Fru Frk Från
    För Før Glad God Good Great Hej Hei Hello Helpdesk Hende Henne Her Herr Hi Hilsen Hilsner Hr
    Hun Hon Hälsningar I If In Ingen Is It Ja Jag Jeg Jer Just Kind Kunde Kunden Kundeservice
    Kundeservicen Kundesenteret Kundtjänst Kundtjänsten Kære Kjære Madam Manager Med Men Miss Min
    Mine Mit Mitt Mina Mr Mrs Ms My Mvh Nej Nei No Nu Nå Of Och Og Ok Okay On Or Our Please Prof
    Regards Sales Salg Service Servicen Sir So Som Store Support Supporten Så Tak Takk Tack Team
    Teamet Thanks The This To Vh Venlig Vennlig Vi Vänliga We With You Your Yours
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday Mandag Tirsdag Onsdag Torsdag
    Fredag Lørdag Søndag Måndag Tisdag Lördag Söndag January February March July September
    October November December Januar Februar Marts Juli Oktober
    Nordlys NordlysTelecom Telia Telenor Tele2 Three Vodafone Yousee YouSee Norlys Stofa Altibox
    Comhem Tre Ice Onecall Chilimobil Apple Samsung Google Microsoft Netflix Spotify MobilePay
    Vipps Swish Klarna PayPal Visa Mastercard Amex Dankort Android Iphone Galaxy Huawei Sony Nokia
    Motorola Xiaomi OnePlus Windows Mac Netgear Zyxel Elgiganten Elkjøp Power Currys Amazon
    Facebook Instagram TikTok Twitter Trustpilot Postnord PostNord Posten Bring Dao Gls Ups Dhl
    Fedex Ikea Coop Rema Netto Ica Anonymous Anonym Kundeklub App Appen Email Mail Router
    Routeren Routern Wifi WiFi Mbps Mbit Gbps Kbps Ghz Sms Pin Tv Bredbånd Bredband Fiber Fibre
    """.split()
)

#: Sign-offs: the capitalised word after them is a name (a full stop after "Mvh." is allowed).
SIGN_OFFS: Final = (
    "hilsen",
    "hilsner",
    "hilsener",
    "mvh",
    "vh",
    "kh",
    "bh",
    "venlig hilsen",
    "venlige hilsner",
    "vennlig hilsen",
    "vennlige hilsener",
    "med venlig hilsen",
    "med vennlig hilsen",
    "mange hilsner",
    "kærlig hilsen",
    "kjærlig hilsen",
    "hälsningar",
    "hälsning",
    "vänliga hälsningar",
    "vänlig hälsning",
    "med vänliga hälsningar",
    "med vänlig hälsning",
    "bästa hälsningar",
    "regards",
    "kind regards",
    "best regards",
    "warm regards",
    "kindest regards",
    "best wishes",
    "sincerely",
    "yours sincerely",
    "yours faithfully",
    "yours truly",
    "signed",
)

#: Sign-offs that are also ordinary words: they introduce a name only before a comma or a line
#: break ("Best, Oliver", "Thanks,\nTom"), not in "the best Support".
COMMA_SIGN_OFFS: Final = (
    "best",
    "thanks",
    "thank you",
    "many thanks",
    "cheers",
    "tak",
    "takk",
    "tack",
    "mange tak",
    "tusen takk",
    "tack så mycket",
)

#: Titles before a (sur)name.
TITLES: Final = ("hr", "fru", "frk", "frøken", "fröken", "herr", "mr", "mrs", "ms", "miss", "dr")

_POSSESSIVES: Final = "min mit mine mi mitt mina my our vores vor vår våre våra"
_RELATIVES: Final = """
    kone mand mann kæreste kjæreste søn sønn datter mor far bror søster svigermor svigerfar
    veninde venninne ven venn nabo kollega kollegaer sambo samboer samlever partner barn børn
    onkel moster faster mormor morfar farmor farfar bestemor bestefar chef sjef kusine fætter
    fru man make maka pojkvän flickvän son dotter mamma pappa syster kompis vän väninna granne
    svärmor svärfar barnen sönerna döttrarna kona
    wife husband son daughter mother mum mom father dad brother sister boyfriend girlfriend
    fiancé fiancée fiance fiancee friend neighbour neighbor colleague boss grandmother
    grandfather grandma grandpa kids children child nephew niece aunt uncle flatmate roommate
"""
#: Norwegian puts the possessive after the noun: "kona mi", "samboeren min".
_POSTPOSED: Final = """
    kona:mi mannen:min samboeren:min samboeren:mi sønnen:min dattera:mi datteren:min
    kjæresten:min kjæresten:mi broren:min søstera:mi søsteren:min moren:min mora:mi faren:min
    kollegaen:min kollegaen:mi venninna:mi venninnen:min vennen:min naboen:min sjefen:min
    svigermora:mi svigermoren:min
"""
_STAFF: Final = """
    medarbejderen medarbejder medarbeideren medarbeider medarbetaren medarbetare handläggaren
    handläggare saksbehandleren saksbehandler sagsbehandleren sagsbehandler rådgiveren rådgiver
    rådgivaren rådgivare konsulenten konsulent teknikeren tekniker teknikern montøren montør
    montören montör installatøren installatør chaufføren chauffør sjåføren sjåfør chauffören
    chaufför sælgeren sælger selgeren selger säljaren säljare supporteren supporter agenten
    agent ekspedienten ekspedient kundeservicemedarbejderen kundebehandleren kundeveilederen
    kontaktperson kontaktpersonen technician engineer advisor adviser rep representative
    operator employee courier installer
    hedder hed heter het hette
"""
_PHRASES: Final = """
    talte:med talt:med snakkede:med snakket:med snakka:med snakker:med snakke:med pratede:med
    pratet:med prata:med pratade:med pratat:med pratar:med talade:med talat:med
    spoke:to spoke:with speak:to speak:with speaking:to speaking:with spoken:to spoken:with
    talked:to talked:with talking:to talking:with chatted:with chatting:with dealt:with
    helped:by served:by assisted:by hjulpet:af hjulpet:av hjälpt:av hjälp:av hjälp:från
    hjælp:af hjælp:fra hjelp:av hjelp:fra help:from asked:for spurgte:efter spurte:etter
    frågade:efter fat:i tak:i tag:på through:to
    agent:named agent:called guy:named guy:called lady:named lady:called man:named
    woman:named someone:named someone:called girl:named person:named rep:named rep:called
    technician:named engineer:named
    som:hedder som:hed der:hedder der:hed som:heter som:het som:hette ved:navn vid:namn
    jeg:hedder jeg:heter jag:heter name:is navn:er namn:är
"""


def _pairs(block: str) -> tuple[str, ...]:
    return tuple(item.replace(":", " ") for item in block.split())


#: Phrases after which the next capitalised word is a name, whatever it is (lower case).
NAME_INTRODUCERS: Final = (
    *(f"{p} {r}" for p in _POSSESSIVES.split() for r in _RELATIVES.split()),
    *_pairs(_POSTPOSED),
    *_STAFF.split(),
    *_pairs(_PHRASES),
)


_CAP_WORD = re.compile(
    r"(?<![\w'\u2019@.\[\]-])(?<!\S/)[A-ZÀ-ÖØ-Þ](?:['\u2019]?[^\W\d_]+)+(?:-[^\W\d_]+)*"
)
_CONTEXT_TOKEN = re.compile(r"\[[a-z]+\]|[^\W\d_]+|\d+|\n|[^\w\s]")
_PLAIN_NAMES: Final = FIRST_NAMES - AMBIGUOUS_NAMES
_LOWER_NAMES: Final = frozenset(name.lower() for name in _PLAIN_NAMES)
_FROM_AFTER = re.compile(r"\s+(?:fra|från|from)\s+(?![\d\[])")
_NUMBER_AFTER = re.compile(r"\s*[\d\[]")
_PREV_WORD = re.compile(r"(\[[A-Z]+\]|[^\W_]+)\W*$")
_ARTICLES: Final = frozenset("the a an this that your our en et ett den det".split())
_PREPOSITIONS: Final = frozenset(
    "in on by of since until from before after i på fra til från till innen inden före efter "
    "etter før".split()
)
_INTRODUCERS: Final = {
    **dict.fromkeys(NAME_INTRODUCERS, "intro"),
    **dict.fromkeys(COMMA_SIGN_OFFS, "comma"),
    **dict.fromkeys(SIGN_OFFS, "sign"),
    **dict.fromkeys(TITLES, "title"),
}
_LAST_WORDS: Final = frozenset(phrase.rsplit(" ", 1)[-1] for phrase in _INTRODUCERS)
_ALLOWED_SEPARATORS: Final = {
    "intro": frozenset({",", ":"}),
    "comma": frozenset({",", "\n", ":", "-", "\u2013", "\u2014"}),
    "sign": frozenset({",", "\n", ":", ".", "-", "\u2013", "\u2014"}),
    "title": frozenset({"."}),
}
_OPENING_PUNCTUATION: Final = " \t\"'«»\u201c\u201d\u2018\u2019(*-\u2013\u2014"


def _overlaps(spans: Sequence[tuple[int, int]], start: int, end: int) -> bool:
    return any(s < end and start < e for s, e in spans)


def _introduced(text: str, start: int) -> bool:
    """Tell whether the words before ``start`` introduce a name (sign-off, "my wife", ...)."""
    if text[start - 1 : start] == "/":
        return start == 1 or text[start - 2].isspace()
    end = start
    while end > 0 and not text[end - 1].isalnum():
        end -= 1
    begin = end
    while begin > 0 and text[begin - 1].isalpha():
        begin -= 1
    if text[begin:end].lower() not in _LAST_WORDS:
        return False
    window_start = max(0, start - 48)
    tokens = _CONTEXT_TOKEN.findall(text[window_start:start].lower())
    if window_start > 0 and text[window_start - 1].isalnum() and tokens:
        tokens = tokens[1:]
    k = len(tokens)
    separators = set()
    while k and not (tokens[k - 1][0].isalnum() or tokens[k - 1][0] == "["):
        separators.add(tokens[k - 1])
        k -= 1
    for n in range(1, min(k, 4) + 1):
        words = tokens[k - n : k]
        if not words[0][0].isalpha():
            break
        kind = _INTRODUCERS.get(" ".join(words))
        if kind is not None and separators <= _ALLOWED_SEPARATORS[kind]:
            return kind != "comma" or not separators.isdisjoint({",", "\n"})
    return False


def _sentence_start(text: str, start: int) -> bool:
    """Tell whether ``start`` begins a sentence, hashtags and @mentions before it left aside."""
    i = start - 1
    while True:
        while i >= 0 and text[i] in _OPENING_PUNCTUATION:
            i -= 1
        word_end = i
        while i >= 0 and (text[i].isalnum() or text[i] == "_"):
            i -= 1
        if i >= 0 and i < word_end and text[i] in "#@":
            i -= 1
            continue
        return word_end < 0 or text[word_end] in ".!?:;\n\u2026"


def _surname_like(word: str, *, shouting: bool = False) -> bool:
    return (
        len(word) > 1
        and word.isupper() == shouting
        and word not in NOT_NAMES
        and word.capitalize() not in NOT_NAMES
        and word.split("-", maxsplit=1)[0] not in AMBIGUOUS_NAMES
    )


def _ambiguous_is_name(text: str, key: str, start: int, end: int, next_word: str | None) -> bool:
    if _introduced(text, start) or (next_word is not None and _surname_like(next_word)):
        return True
    if _sentence_start(text, start):
        return bool(_FROM_AFTER.match(text, end))
    previous = _PREV_WORD.search(text, max(0, start - 20), start)
    prev_word = previous.group(1).lower() if previous else ""
    # A placeholder reads as the number it replaced, so that redacting twice changes nothing.
    after_number = prev_word.isdigit() or prev_word.startswith("[")
    if key in MONTH_NAMES and (
        after_number or prev_word in _PREPOSITIONS or _NUMBER_AFTER.match(text, end)
    ):
        return False
    return prev_word not in _ARTICLES


def _is_name(text: str, word: str, start: int, end: int, next_word: str | None) -> bool:
    base = word[:-2] if word.endswith(("'s", "\u2019s")) else word
    shouting = base.isupper()
    if shouting:
        base = "-".join(part.capitalize() for part in base.split("-"))
    parts = base.split("-")
    if not all(part[:1].isupper() for part in parts):
        return False
    key = parts[0]
    if key in NOT_NAMES:
        return False
    if key in AMBIGUOUS_NAMES:
        return not shouting and _ambiguous_is_name(text, key, start, end, next_word)
    if key in _PLAIN_NAMES or (key.endswith("s") and key[:-1] in _PLAIN_NAMES):
        return True
    return not shouting and len(parts) == 1 and _introduced(text, start)


def find_names(text: str, taken: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Find person names in a text.

    Args:
        text: Any text.
        taken: (start, end) of personal data already found; names never overlap it.

    Returns:
        (start, end) of each name, first name and surnames together ("Lars Hansen").
    """
    matches = list(_CAP_WORD.finditer(text))
    spans = []
    resume = 0
    for index, match in enumerate(matches):
        start, end = match.span()
        if start < resume or _overlaps(taken, start, end):
            continue
        following = matches[index + 1] if index + 1 < len(matches) else None
        next_word = (
            following.group() if following and text[end : following.start()] == " " else None
        )
        if not _is_name(text, match.group(), start, end, next_word):
            continue
        shouting = match.group().isupper()
        for extra in matches[index + 1 : index + 4]:
            if text[end : extra.start()] != " " or _overlaps(taken, *extra.span()):
                break
            if not _surname_like(extra.group(), shouting=shouting):
                break
            end = extra.end()
        if text[end - 2 : end] in ("'s", "\u2019s"):
            end -= 2
        resume = end
        spans.append((start, end))
    if any(c.islower() for c in text):
        spaced = text.replace(",", " ").replace(".", " ").replace("!", " ").replace("?", " ")
        for word in _LOWER_NAMES.intersection(spaced.split()):
            for m in re.finditer(rf"(?<![\w@.]){re.escape(word)}(?![\w@])", text):
                if not _overlaps([*taken, *spans], *m.span()) and _introduced(text, m.start()):
                    spans.append(m.span())
    return spans
