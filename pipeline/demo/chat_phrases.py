"""Phrase banks for the demo's chats, social mentions and noise (pure data, no logic).

Blocks follow the format described in `pipeline.demo.phrases`: text keyed by language, ``@slot:``
lines and `` | ``-separated templates. Also here: irrelevant survey comments, personal data
sentences, fake names and phone numbers, emoji, markup and spreadsheet formulas. Names, e-mail
domains and phone numbers are fake.
"""

from __future__ import annotations

from typing import Final

IRRELEVANT: Final[dict[str, str]] = {
    "da": """ingen kommentarer | intet at tilføje | nej tak | ved ikke | nej | ok | - | test
        Hilsen Lars""",
    "nb": """ingen kommentar | ingenting å tilføye | nei takk | vet ikke | nei | ok | - | test
        Hilsen Kari""",
    "sv": """inga kommentarer | inget att tillägga | nej tack | vet inte | nej | ok | - | test
        Mvh Karin""",
    "en": """no comment | nothing to add | no thanks | don't know | n/a | none | ok | . | test
        Regards, James""",
}

PII: Final[dict[str, dict[str, str]]] = {
    "name": {
        "da": """Hilsen {name} | Mvh. {name} | Venlig hilsen {name}
        min kæreste {name} er også kunde""",
        "nb": """Hilsen {name} | Mvh {name} | Vennlig hilsen {name}
        samboeren min {name} er også kunde""",
        "sv": """Hälsningar {name} | Mvh {name} | Vänliga hälsningar {name}
        min sambo {name} är också kund""",
        "en": """Regards, {name} | Thanks, {name} | Best, {name}
        my partner {name} is a customer too""",
    },
    "email": {
        "da": "skriv til mig på {email} | kontakt mig gerne på {email}",
        "nb": "send meg en e-post på {email} | kontakt meg gjerne på {email}",
        "sv": "maila mig på {email} | kontakta mig gärna på {email}",
        "en": "email me at {email} | feel free to contact me at {email}",
    },
    "phone": {
        "da": "ring til mig på {phone} | I kan fange mig på {phone}",
        "nb": "ring meg på {phone} | dere når meg på {phone}",
        "sv": "ring mig på {phone} | ni når mig på {phone}",
        "en": "call me on {phone} | you can reach me on {phone}",
    },
}

#: Obviously fake numbers per language; ``#`` is replaced by a random digit. Swedish and UK
#: numbers use the ranges the regulators reserve for fiction (070-1740605..99, 07700 900xxx).
PHONES: Final[dict[str, tuple[str, ...]]] = {
    "da": ("+45 12 34 56 78", "12 34 56 78", "+45 87 65 43 21", "11 22 33 44", "+4512345678"),
    "nb": ("22 33 44 55", "+47 412 34 567", "+47 98 76 54 32", "912 34 567", "+4722334455"),
    "sv": ("070-174 06 5#", "+46 70 174 06 7#", "070-1740 68#", "070 174 06 9#"),
    "en": ("07700 900 ###", "+44 7700 900###", "07700 900###"),
}

NAMES: Final = (
    "Lars Mette Søren Anne Mads Sofie Jens Ida Ole Kari Ingrid Bjørn Sigrid Erik Astrid Åsa "
    "Björn Johan Karin Elin Magnus Frida Per Line Henrik Camilla Jørgen Maja Oskar Linnéa "
    "James Emma Oliver Sarah David Laura"
).split()

SURNAMES: Final = "hansen jensen nilsen larsen andersson johansson berg lund smith brown".split()

EMOJI: Final[dict[str, tuple[str, ...]]] = {
    "negative": ("😡", "😤", "🙄", "👎", "😠", "🤬"),
    "positive": ("👍", "🙂", "😊", "❤️", "👏", "🙏"),
    "neutral": ("🤷", "😐", "🙂"),
}

MARKUP: Final = ("<b>{text}</b>", "<p>{text}</p>", "{text}<br>", "<i>{text}</i><br/>")
FORMULAS: Final = (
    "=SUM(A1)",
    "=1+1",
    '=HYPERLINK("https://example.com";"klik her")',
    "+1",
    "@SUM(B2:B9)",
)

CHAT: Final[dict[str, dict[str, str]]] = {
    "bot": {
        "da": """Hej og velkommen til Nordlys! Jeg er en chatbot. Hvad kan jeg hjælpe med i dag?
        Velkommen til Nordlys kundeservice. Skriv dit spørgsmål, så finder vi en medarbejder.""",
        "nb": """Hei og velkommen til Nordlys! Jeg er en chatbot. Hva kan jeg hjelpe med i dag?
        Velkommen til Nordlys kundeservice. Skriv spørsmålet ditt, så finner vi en medarbeider.""",
        "sv": """Hej och välkommen till Nordlys! Jag är en chattbot. Vad kan jag hjälpa till med?
        Välkommen till Nordlys kundtjänst. Skriv din fråga så kopplar vi dig vidare.""",
        "en": """Hi and welcome to Nordlys! I'm a chatbot. How can I help you today?
        Welcome to Nordlys customer service. Type your question and we'll find you an agent.""",
    },
    "greeting": {
        "da": "hej | Hej | hejsa | hej, jeg har et spørgsmål | goddag | tak",
        "nb": "hei | Hei | hallo | hei, jeg har et spørsmål | heisann | takk",
        "sv": "hej | Hej | hejsan | hej, jag har en fråga | hallå | tack",
        "en": "hi | Hi | hello | hi, I have a question | hey | thanks",
    },
    "followup": {
        "da": """ok tak | tak | tak for hjælpen | det virker stadig ikke | hvor lang tid tager det?
        okay, jeg venter | super, tak | fint""",
        "nb": """ok takk | takk | takk for hjelpen | det fungerer fortsatt ikke
        hvor lenge tar det?
        ok, jeg venter | supert, takk | fint""",
        "sv": """ok tack | tack | tack för hjälpen | det fungerar fortfarande inte
        hur lång tid tar det?
        okej, jag väntar | toppen, tack | bra""",
        "en": """ok thanks | thanks | thanks for the help | it still doesn't work
        how long will it take?
        ok, I'll wait | great, thanks | fine""",
    },
    "boilerplate": {
        "da": "Sendt fra min iPhone | Sendt fra min Samsung Galaxy",
        "nb": "Sendt fra min iPhone | Sendt fra Outlook for Android",
        "sv": "Skickat från min iPhone | Skickat från Outlook för Android",
        "en": "Sent from my iPhone | Sent from Outlook for Android",
    },
    "question": {
        "da": """hvordan skifter jeg abonnement? | kan jeg få et ekstra SIM-kort?
        hvornår udløber min binding? | jeg skal flytte, hvad gør jeg med mit bredbånd?""",
        "nb": """hvordan bytter jeg abonnement? | kan jeg få et ekstra SIM-kort?
        når går bindingstiden ut? | jeg skal flytte, hva gjør jeg med bredbåndet?""",
        "sv": """hur byter jag abonnemang? | kan jag få ett extra SIM-kort?
        när går bindningstiden ut? | jag ska flytta, vad gör jag med mitt bredband?""",
        "en": """how do I change my plan? | can I get an extra SIM card?
        when does my contract end? | I'm moving house, what do I do with my broadband?""",
    },
    "agent_opening": {
        "da": """Hej, du skriver med {agent} fra Nordlys. Hvad kan jeg hjælpe med?
        Hej! Mit navn er {agent}. Hvordan kan jeg hjælpe dig?
        Tak, fordi du ventede. Det er {agent}.""",
        "nb": """Hei, du chatter med {agent} fra Nordlys. Hva kan jeg hjelpe med?
        Hei! Jeg heter {agent}. Hvordan kan jeg hjelpe deg?
        Takk for at du ventet. Det er {agent}.""",
        "sv": """Hej, du chattar med {agent} på Nordlys. Vad kan jag hjälpa till med?
        Hej! Jag heter {agent}. Hur kan jag hjälpa dig?
        Tack för att du väntade. Det är {agent}.""",
        "en": """Hi, you're chatting with {agent} from Nordlys. How can I help?
        Hello! My name is {agent}. How can I help you? | Thanks for waiting. This is {agent}.""",
    },
    "agent_reply": {
        "da": """Det er jeg ked af at høre. Lad mig kigge på det.
        Jeg forstår godt, det er frustrerende.
        Tak for din tålmodighed. Jeg undersøger det lige. | Kan du bekræfte din adresse for mig?
        Jeg har oprettet en sag, og du hører fra os inden for 24 timer.
        Jeg har sendt det videre til den rette afdeling.""",
        "nb": """Det er jeg lei meg for å høre. La meg se på det.
        Jeg forstår at det er frustrerende.
        Takk for tålmodigheten. Jeg undersøker det nå. | Kan du bekrefte adressen din for meg?
        Jeg har opprettet en sak, og du hører fra oss innen 24 timer.
        Jeg har sendt det videre til riktig avdeling.""",
        "sv": """Vad tråkigt att höra. Låt mig titta på det. | Jag förstår att det är frustrerande.
        Tack för ditt tålamod. Jag kollar upp det nu. | Kan du bekräfta din adress åt mig?
        Jag har skapat ett ärende och du hör av oss inom 24 timmar.
        Jag har skickat det vidare till rätt avdelning.""",
        "en": """I'm sorry to hear that. Let me take a look. | I understand that's frustrating.
        Thanks for your patience. I'm looking into it now. | Could you confirm your address for me?
        I've opened a case and you'll hear from us within 24 hours.
        I've passed it on to the right team.""",
    },
    "agent_closing": {
        "da": """Er der andet, jeg kan hjælpe med? Hav en god dag!
        Tak for henvendelsen, og god dag.""",
        "nb": """Er det noe annet jeg kan hjelpe med? Ha en fin dag!
        Takk for henvendelsen, ha en god dag.""",
        "sv": """Är det något mer jag kan hjälpa till med? Ha en bra dag!
        Tack för att du hörde av dig.""",
        "en": """Is there anything else I can help with? Have a nice day!
        Thanks for getting in touch.""",
    },
}

SOCIAL: Final[dict[str, dict[str, str]]] = {
    "brand_reply": {
        "da": "Hej! Det er vi kede af at høre. Send os en DM, så kigger vi på det 🙏",
        "nb": "Hei! Det er vi lei oss for å høre. Send oss en DM, så ser vi på det 🙏",
        "sv": "Hej! Tråkigt att höra. Skicka ett DM så tittar vi på det 🙏",
        "en": "Hi! Sorry to hear that. Send us a DM and we'll look into it 🙏",
    },
    "agree": {
        "da": "samme her | præcis det samme hos mig | enig! | også mig",
        "nb": "samme her | akkurat det samme hos meg | enig! | meg også",
        "sv": "samma här | exakt samma sak för mig | håller med! | jag med",
        "en": "same here | exactly the same for me | agreed! | me too",
    },
}

SPAM_TEXT: Final = (
    "🔥 Skift til Nordlys i dag og få 3 måneder GRATIS! Klik her: "
    "https://example.org/nordlys-gratis #nordlys #gratis #tilbud"
)
COMPANY_TAGS: Final = (
    "@NordlysTelecom",
    "#nordlys",
    "@NordlysTelecom #nordlys",
    "#NordlysTelecom",
)
