"""Phrase banks for the demo's drivers, generic remarks and hedges (pure data, no logic).

Every bank is a text block keyed by language (``da``, ``nb``, ``sv``, ``en``). In a block, a
line ``@slot: a | b | c`` lists the choices for ``{slot}``; every other line holds templates
separated by `` | ``. A template names its slots in braces; slots not defined in the block come
from `COMMON` or from the generator (``{name}``, ``{email}``, ``{phone}``, ``{agent}``).
Comment templates start in lower case unless the first word is always capitalised ("I",
"Nordlys") and carry no final punctuation: the generator capitalises, punctuates and adds
noise. Chat agent and bot lines are complete sentences. Names, e-mail domains (example.com,
example.org) and phone numbers are fake. Chat, social, irrelevant-comment and noise banks
(personal data, emoji, markup) live in `pipeline.demo.chat_phrases`.
"""

from __future__ import annotations

from typing import Final

COMMON: Final[dict[str, str]] = {
    "da": "@int: meget | virkelig | utrolig | super | rigtig | alt for",
    "nb": "@int: veldig | utrolig | skikkelig | svært | altfor | helt",
    "sv": "@int: väldigt | otroligt | riktigt | mycket | alldeles för | så",
    "en": "@int: very | really | incredibly | super | way too | so",
}

DRIVER_PHRASES: Final[dict[str, dict[str, str]]] = {
    "waiting_time": {
        "da": """
        @t: 45 minutter | over en time | en halv time | næsten en time | 40 min | tre kvarter
        @t: halvanden time | 50 minutter
        @ch: kundeservice | jer | en medarbejder | supporten
        jeg ventede {t} i telefonkøen | sad {t} i kø, før der var nogen, der tog den
        {t} i kø for at få svar på et simpelt spørgsmål | det tager {int} lang tid at komme igennem
        ventetiden hos kundeservice er helt urimelig | ventetiden på chatten er alt for lang
        man kan ikke få fat i nogen hos jer | ingen tog telefonen, selvom jeg ringede tre gange
        jeg blev sat på hold i {t} | har ringet flere gange, og hver gang er det {t} i kø
        det tog {t} at komme igennem til {ch} | lang ventetid igen igen
        """,
        "nb": """
        @t: 45 minutter | over en time | en halvtime | nesten en time | 40 min | tre kvarter
        @t: halvannen time | 50 minutter
        @ch: kundeservice | dere | en medarbeider | supporten
        jeg ventet {t} i telefonkøen | satt {t} i kø før noen tok telefonen
        {t} i kø for å få svar på et enkelt spørsmål | det tar {int} lang tid å komme gjennom
        ventetiden hos kundeservice er helt uakseptabel | ventetiden på chatten er altfor lang
        umulig å få tak i noen hos dere | ingen tok telefonen, selv om jeg ringte tre ganger
        ble satt på vent i {t} | har ringt flere ganger, og hver gang er det {t} i kø
        det tok {t} å komme gjennom til {ch} | lang ventetid, som vanlig
        """,
        "sv": """
        @t: 45 minuter | över en timme | en halvtimme | nästan en timme | 40 min | tre kvart
        @t: en och en halv timme | 50 minuter
        @ch: kundtjänst | er | en handläggare | supporten
        jag väntade {t} i telefonkön | satt {t} i kö innan någon svarade
        {t} i kö för att få svar på en enkel fråga | det tar {int} lång tid att komma fram
        väntetiden hos kundtjänst är helt orimlig | väntetiden i chatten är alldeles för lång
        omöjligt att få tag på någon hos er | ingen svarade fast jag ringde tre gånger
        fick vänta i kön i {t} | har ringt flera gånger och varje gång är det {t} i kö
        det tog {t} att komma fram till {ch} | lång väntetid, som vanligt
        """,
        "en": """
        @t: 45 minutes | over an hour | half an hour | nearly an hour | 40 mins | 50 minutes
        @t: an hour and a half
        @ch: customer service | support | anyone | a real person
        I waited {t} on hold | sat in the queue for {t} before anyone picked up
        {t} in a queue to get an answer to a simple question | it takes {int} long to get through
        the waiting time at customer service is ridiculous | the wait on the chat is way too long
        impossible to get hold of anyone at your company
        nobody answered the phone even though I called three times | was put on hold for {t}
        called several times and every time it was {t} in the queue
        it took {t} to get through to {ch} | long wait times, as usual
        """,
    },
    "billing_error": {
        "da": """
        @bill: regningen | fakturaen | min faktura | månedsregningen
        @amt: 200 kr | 349 kr | næsten 500 kr | over 1000 kr | 150 kroner | 99 kr
        {bill} var forkert | jeg blev opkrævet {amt} for meget
        der var en ekstra opkrævning på {bill}, som jeg ikke kan genkende
        I har trukket {amt} to gange | fik en regning på {amt} uden nogen forklaring
        {bill} stemmer ikke med det, jeg blev lovet
        betaler stadig for et abonnement, jeg har opsagt
        uventede gebyrer på {bill} | der står ting på {bill}, som jeg aldrig har bestilt
        har ringet tre gange om en fejl på {bill}, og den er stadig ikke rettet
        pludselig skulle jeg betale {amt} ekstra uden varsel
        jeg er blevet trukket for roaming, selvom jeg ikke har været ude at rejse
        """,
        "nb": """
        @bill: regningen | fakturaen | månedsfakturaen | siste faktura
        @amt: 200 kr | 349 kr | nesten 500 kr | over 1000 kr | 150 kroner | 99 kr
        {bill} var feil | jeg ble belastet {amt} for mye
        det var et ekstra trekk på {bill} som jeg ikke kjenner igjen
        dere har trukket {amt} to ganger | fikk en regning på {amt} uten noen forklaring
        {bill} stemmer ikke med det jeg ble lovet
        betaler fortsatt for et abonnement jeg har sagt opp
        uventede gebyrer på {bill} | det står ting på {bill} som jeg aldri har bestilt
        har ringt tre ganger om en feil på {bill}, og den er fortsatt ikke rettet
        plutselig måtte jeg betale {amt} ekstra uten varsel
        jeg har blitt belastet for roaming selv om jeg ikke har vært utenlands
        """,
        "sv": """
        @bill: fakturan | räkningen | månadsfakturan | senaste fakturan
        @amt: 200 kr | 349 kr | nästan 500 kr | över 1000 kr | 150 kronor | 99 kr
        {bill} var fel | jag blev debiterad {amt} för mycket
        det fanns en extra avgift på {bill} som jag inte känner igen
        ni har dragit {amt} två gånger | fick en räkning på {amt} utan någon förklaring
        {bill} stämmer inte med det jag blev lovad | betalar fortfarande för ett uppsagt abonnemang
        oväntade avgifter på {bill} | det står saker på {bill} som jag aldrig har beställt
        har ringt tre gånger om ett fel på {bill} och det är fortfarande inte rättat
        plötsligt skulle jag betala {amt} extra utan förvarning
        jag har fått betala för roaming fast jag inte ens har varit utomlands
        """,
        "en": """
        @bill: the bill | my invoice | the invoice | my last bill
        @amt: £20 | 200 kr | 349 DKK | almost 500 kr | over 1000 kr | €15
        {bill} was wrong | I was charged {amt} too much
        there was an extra charge on {bill} that I don't recognise
        you took {amt} twice from my account | got a bill for {amt} with no explanation
        {bill} doesn't match what I was promised | still paying for a subscription I cancelled
        unexpected fees on {bill} | there are things on {bill} I never ordered
        called three times about a mistake on {bill} and it's still not fixed
        suddenly had to pay {amt} extra with no warning
        charged for roaming even though I haven't been abroad
        """,
    },
    "network_outage": {
        "da": """
        @net: internettet | nettet | bredbåndet | forbindelsen | wifi'en | mobilnettet
        @dur: i tre dage | hele weekenden | i over en uge | siden mandag | i to døgn
        @freq: flere gange om ugen | hver aften | konstant | hele tiden | flere gange om dagen
        {net} har været nede {dur} | {net} falder ud {freq} | hastigheden er elendig
        jeg får kun en brøkdel af den hastighed, jeg betaler for | ingen dækning hjemme hos mig
        netflix hakker hele tiden | udfald på {net} {freq}
        kan ikke arbejde hjemmefra, fordi {net} hele tiden forsvinder | der har været nedbrud {dur}
        jeg har 10 Mbit i stedet for 100 | {net} har ikke virket {dur}
        ustabil forbindelse og ringe hastighed
        """,
        "nb": """
        @net: internettet | nettet | bredbåndet | forbindelsen | wifien | mobilnettet
        @dur: i tre dager | hele helgen | i over en uke | siden mandag | i to døgn
        @freq: flere ganger i uka | hver kveld | konstant | hele tiden | flere ganger om dagen
        {net} har vært nede {dur} | {net} faller ut {freq} | hastigheten er elendig
        jeg får bare en brøkdel av hastigheten jeg betaler for | ingen dekning hjemme hos meg
        netflix henger seg opp hele tiden | brudd på {net} {freq}
        kan ikke jobbe hjemmefra fordi {net} stadig forsvinner | det har vært nedetid {dur}
        jeg har 10 Mbit i stedet for 100 | {net} har ikke fungert {dur}
        ustabil forbindelse og dårlig hastighet
        """,
        "sv": """
        @net: internet | nätet | bredbandet | uppkopplingen | wifit | mobilnätet
        @dur: i tre dagar | hela helgen | i över en vecka | sedan måndag | i två dygn
        @freq: flera gånger i veckan | varje kväll | konstant | hela tiden | flera gånger om dagen
        {net} har legat nere {dur} | {net} försvinner {freq} | hastigheten är urusel
        jag får bara en bråkdel av hastigheten jag betalar för | ingen täckning hemma hos mig
        netflix laggar hela tiden | avbrott på {net} {freq}
        kan inte jobba hemifrån eftersom {net} hela tiden försvinner
        det har varit driftstörningar {dur} | jag har 10 Mbit istället för 100
        {net} har inte fungerat {dur} | instabil uppkoppling och dålig hastighet
        """,
        "en": """
        @net: the internet | the connection | my broadband | the wifi | the mobile network
        @dur: for three days | all weekend | for over a week | since Monday | for two days
        @freq: several times a week | every evening | constantly | all the time | every day
        {net} has been down {dur} | {net} drops out {freq} | the speed is terrible
        I only get a fraction of the speed I pay for | no coverage at my place
        netflix keeps buffering | outages {freq}
        can't work from home because {net} keeps cutting out | there's been an outage {dur}
        I get 10 Mbit instead of 100 | {net} hasn't worked {dur}
        unstable connection and poor speeds
        """,
    },
    "technician_no_show": {
        "da": """
        @tech: teknikeren | montøren | jeres tekniker | installatøren
        @day: i går | i fredags | to gange | i sidste uge | i mandags
        @slot: mellem 8 og 12 | hele dagen | en hel formiddag | fra 7 til 16
        {tech} dukkede aldrig op | {tech} kom ikke {day}, og ingen ringede
        jeg tog fri fra arbejde, og {tech} udeblev | ventede hjemme {slot}, men ingen kom
        aftalen med {tech} blev aflyst uden varsel | {tech} mødte ikke op til den aftalte tid
        tre aftaler, og {tech} er ikke kommet en eneste gang
        har nu ventet på installation i over en måned
        {tech} skulle have været her {day}, men der kom ingen
        spildte en feriedag på at vente på {tech}
        fik en sms om, at besøget var flyttet, en time før
        installationen er udskudt for tredje gang
        """,
        "nb": """
        @tech: teknikeren | montøren | teknikeren deres | installatøren
        @day: i går | sist fredag | to ganger | forrige uke | på mandag
        @slot: mellom 8 og 12 | hele dagen | en hel formiddag | fra 7 til 16
        {tech} dukket aldri opp | {tech} kom ikke {day}, og ingen ringte
        jeg tok fri fra jobb, og {tech} kom ikke | ventet hjemme {slot}, men ingen kom
        avtalen med {tech} ble avlyst uten varsel | {tech} møtte ikke opp til avtalt tid
        tre avtaler, og {tech} har ikke kommet en eneste gang
        har nå ventet på installasjon i over en måned
        {tech} skulle ha vært her {day}, men det kom ingen
        kastet bort en feriedag på å vente på {tech}
        fikk en sms om at besøket var flyttet en time før
        installasjonen er utsatt for tredje gang
        """,
        "sv": """
        @tech: teknikern | montören | er tekniker | installatören
        @day: igår | i fredags | två gånger | förra veckan | i måndags
        @slot: mellan 8 och 12 | hela dagen | en hel förmiddag | från 7 till 16
        {tech} dök aldrig upp | {tech} kom inte {day} och ingen ringde
        jag tog ledigt från jobbet och {tech} kom inte | väntade hemma {slot} men ingen kom
        besöket av {tech} ställdes in utan förvarning | {tech} kom inte på den avtalade tiden
        tre bokade tider och {tech} har inte kommit en enda gång
        har nu väntat på installation i över en månad
        {tech} skulle ha varit här {day} men det kom ingen
        slösade bort en semesterdag på att vänta på {tech}
        fick ett sms en timme innan om att besöket var flyttat
        installationen har skjutits upp för tredje gången
        """,
        "en": """
        @tech: the technician | the engineer | your technician | the installer
        @day: yesterday | last Friday | twice | last week | on Monday
        @slot: between 8 and 12 | all day | a whole morning | from 7 to 4
        {tech} never showed up | {tech} didn't come {day} and nobody called
        I took time off work and {tech} was a no-show | waited at home {slot} but nobody came
        the appointment with {tech} was cancelled without notice | {tech} missed the time slot
        three appointments and {tech} hasn't turned up once
        been waiting over a month for the installation
        {tech} was supposed to be here {day} but no one came
        wasted a day of holiday waiting for {tech}
        got a text an hour before saying the visit was moved
        the installation has been postponed for the third time
        """,
    },
    "app_bugs": {
        "da": """
        @app: appen | Nordlys-appen | jeres app | den nye app
        @web: hjemmesiden | selvbetjeningen | Mit Nordlys
        @act: logge ind | betale regningen | se mit forbrug | skifte abonnement
        {app} crasher, hver gang jeg åbner den | kan ikke {act} i appen
        {app} bliver ved med at logge mig ud | efter den seneste opdatering virker {app} slet ikke
        får en fejlmeddelelse, når jeg prøver at {act} | {app} hænger på en hvid skærm
        login med MitID virker ikke i {app} | {web} er nede igen | {app} er fuld af fejl
        knappen til at {act} gør ingenting | siden loader i evigheder, og så kommer der en fejl
        den nye version af appen er ubrugelig
        """,
        "nb": """
        @app: appen | Nordlys-appen | appen deres | den nye appen
        @web: nettsiden | Min side | selvbetjeningen
        @act: logge inn | betale regningen | se forbruket mitt | bytte abonnement
        {app} krasjer hver gang jeg åpner den | får ikke {act} i appen
        {app} logger meg ut hele tiden
        etter siste oppdatering fungerer ikke {app} i det hele tatt
        får en feilmelding når jeg prøver å {act} | {app} henger på en hvit skjerm
        innlogging med BankID fungerer ikke i {app} | {web} er nede igjen | {app} er full av feil
        knappen for å {act} gjør ingenting | siden laster i evigheter, og så kommer det en feil
        den nye versjonen av appen er ubrukelig
        """,
        "sv": """
        @app: appen | Nordlys-appen | er app | den nya appen
        @web: hemsidan | Mina sidor | självservicen
        @act: logga in | betala fakturan | se min förbrukning | byta abonnemang
        {app} kraschar varje gång jag öppnar den | kan inte {act} i appen
        {app} loggar ut mig hela tiden | efter senaste uppdateringen fungerar inte {app} alls
        får ett felmeddelande när jag försöker {act} | {app} fastnar på en vit skärm
        inloggning med BankID fungerar inte i {app} | {web} ligger nere igen
        {app} är full av buggar | knappen för att {act} gör ingenting
        sidan laddar i evigheter och sedan kommer ett fel
        den nya versionen av appen är oanvändbar
        """,
        "en": """
        @app: the app | the Nordlys app | your app | the new app
        @web: the website | My Nordlys | the self-service portal
        @act: log in | pay my bill | see my usage | change my plan
        {app} crashes every time I open it | can't {act} in the app | {app} keeps logging me out
        since the last update {app} doesn't work at all | I get an error when I try to {act}
        {app} is stuck on a white screen | login doesn't work in {app} | {web} is down again
        {app} is full of bugs | the button to {act} does nothing
        the page takes forever to load and then shows an error
        the new version of the app is useless
        """,
    },
    "price_increase": {
        "da": """
        @p: prisen | abonnementet | månedsprisen
        @amt: 30 kr | 50 kr | 10 % | 79 kr om måneden
        {p} er steget igen | I har hævet prisen med {amt} uden at give mere
        prisstigningen kom som en overraskelse | det er tredje prisstigning på et år
        synes, det er for meget at hæve prisen nu
        jeg betaler {amt} mere end sidste år for det samme
        min rabat er udløbet, og nu er det dyrt | I kalder det en "justering" af prisen
        fik et brev om, at {p} stiger med {amt} | hvorfor bliver det hele tiden dyrere?
        overvejer at skifte pga. de nye priser | lidt skuffet over prisstigningen
        """,
        "nb": """
        @p: prisen | abonnementet | månedsprisen
        @amt: 30 kr | 50 kr | 10 % | 79 kr i måneden
        {p} har gått opp igjen | dere har økt prisen med {amt} uten å gi noe mer
        prisøkningen kom som en overraskelse | det er tredje prisøkning på ett år
        synes det er for mye å øke prisen nå | jeg betaler {amt} mer enn i fjor for det samme
        rabatten min har gått ut, og nå er det dyrt | dere kaller det en "justering" av prisen
        fikk et brev om at {p} øker med {amt} | hvorfor blir alt stadig dyrere?
        vurderer å bytte på grunn av de nye prisene | litt skuffet over prisøkningen
        """,
        "sv": """
        @p: priset | abonnemanget | månadsavgiften
        @amt: 30 kr | 50 kr | 10 % | 79 kr i månaden
        {p} har gått upp igen | ni har höjt priset med {amt} utan att ge något mer
        prishöjningen kom som en överraskning | det är tredje prishöjningen på ett år
        tycker det är för mycket att höja priset nu
        jag betalar {amt} mer än förra året för samma sak
        min rabatt har gått ut och nu är det dyrt | ni kallar det en "justering" av priset
        fick ett brev om att {p} höjs med {amt} | varför blir allt hela tiden dyrare?
        funderar på att byta på grund av de nya priserna | lite besviken på prishöjningen
        """,
        "en": """
        @p: the price | my plan | the monthly fee
        @amt: £3 | 50 kr | 10% | €5 a month
        {p} has gone up again | you raised the price by {amt} without giving anything more
        the price increase came as a surprise | third price hike in a year
        I think it's too much to raise prices now | I pay {amt} more than last year for the same
        my discount ran out and now it's expensive | you call it a "price adjustment"
        got a letter saying {p} is going up by {amt} | why does it keep getting more expensive?
        thinking about switching because of the new prices | a bit disappointed by the price rise
        """,
    },
    "friendly_staff": {
        "da": """
        @staff: medarbejderen | damen i telefonen | supporteren | manden i chatten
        @staff: jeres kundeservice | hende, jeg talte med
        @adj: venlig | sød | hjælpsom | imødekommende | flink
        {staff} var {int} {adj} | {staff} var {adj} og tålmodig | rigtig god service fra {staff}
        blev mødt af en {adj} medarbejder, der tog sig god tid
        {staff} lyttede virkelig og forstod mit problem
        tak for en {adj} og professionel behandling
        god og hjælpsom betjening | man føler sig godt behandlet, når man ringer
        {staff} gjorde alt for at hjælpe mig | altid en venlig stemme i den anden ende
        {staff} forklarede alt på en rolig og god måde | blev mødt med et smil i butikken
        """,
        "nb": """
        @staff: medarbeideren | damen i telefonen | supporteren | han i chatten
        @staff: kundeservice | hun jeg snakket med
        @adj: hyggelig | blid | hjelpsom | imøtekommende | grei
        {staff} var {int} {adj} | {staff} var {adj} og tålmodig | kjempegod service fra {staff}
        ble møtt av en {adj} medarbeider som tok seg god tid
        {staff} lyttet virkelig og forsto problemet mitt
        takk for {adj} og profesjonell behandling
        god og hjelpsom betjening | man føler seg godt ivaretatt når man ringer
        {staff} gjorde alt for å hjelpe meg | alltid en vennlig stemme i andre enden
        {staff} forklarte alt på en rolig og grei måte | ble møtt med et smil i butikken
        """,
        "sv": """
        @staff: personalen | tjejen i telefon | supporten | killen i chatten
        @staff: kundtjänst | hon jag pratade med
        @adj: trevlig | vänlig | hjälpsam | tillmötesgående | serviceinriktad
        {staff} var {int} {adj} | {staff} var {adj} och tålmodig | superbra service från {staff}
        blev bemött av en {adj} medarbetare som tog sig tid
        {staff} lyssnade verkligen och förstod mitt problem
        tack för ett fint och proffsigt bemötande
        trevligt och hjälpsamt bemötande | man känner sig väl omhändertagen när man ringer
        {staff} gjorde allt för att hjälpa mig | alltid en vänlig röst i andra änden
        {staff} förklarade allt lugnt och tydligt | möttes av ett leende i butiken
        """,
        "en": """
        @staff: the agent | the lady on the phone | the guy on the chat | your support team
        @staff: the staff | the person I spoke to
        @adj: friendly | lovely | helpful | polite | kind
        {staff} was {int} {adj} | {staff} was {adj} and patient | great service from {staff}
        was met by a {adj} agent who took the time to help
        {staff} really listened and understood my problem | thanks for the {adj} service
        friendly and helpful service | you feel well looked after when you call
        {staff} went out of their way to help me | always a friendly voice on the other end
        {staff} explained everything calmly and clearly | greeted with a smile in the shop
        """,
    },
    "quick_fix": {
        "da": """
        @fix: løst | fikset | ordnet | klaret
        @when: på fem minutter | med det samme | i første opkald | på under ti minutter | samme dag
        problemet blev {fix} {when} | fik hjælp {when} | det hele var {fix} {when}
        hurtig og effektiv hjælp | min sag blev {fix} ved første henvendelse
        ingen bøvl, det blev bare {fix} | de fandt fejlen med det samme og rettede den
        supporten ordnede det, mens jeg ventede | det virkede igen efter et enkelt opkald
        hurtigt svar, og problemet forsvandt | det gik stærkt, og det hele virker nu
        første gang, jeg har fået løst noget så hurtigt
        """,
        "nb": """
        @fix: løst | fikset | ordnet
        @when: på fem minutter | med en gang | i første samtale | på under ti minutter | samme dag
        problemet ble {fix} {when} | fikk hjelp {when} | alt var {fix} {when}
        rask og effektiv hjelp | saken min ble {fix} ved første henvendelse
        ikke noe styr, det ble bare {fix} | de fant feilen med en gang og rettet den
        supporten ordnet det mens jeg ventet | det virket igjen etter én telefon
        raskt svar, og problemet forsvant | det gikk fort, og alt fungerer nå
        første gang jeg har fått løst noe så raskt
        """,
        "sv": """
        @fix: löst | fixat | ordnat
        @when: på fem minuter | direkt | vid första samtalet | på under tio minuter | samma dag
        problemet blev {fix} {when} | fick hjälp {when} | allt var {fix} {when}
        snabb och effektiv hjälp | mitt ärende löstes vid första kontakten
        inget krångel, det bara fixades | de hittade felet direkt och rättade till det
        supporten ordnade det medan jag väntade | det fungerade igen efter ett enda samtal
        snabbt svar och problemet försvann | det gick fort och allt fungerar nu
        första gången jag har fått något löst så snabbt
        """,
        "en": """
        @fix: solved | fixed | sorted | sorted out
        @when: in five minutes | straight away | on the first call | in under ten minutes
        @when: the same day
        the problem was {fix} {when} | got help {when} | everything was {fix} {when}
        quick and efficient help | my issue was {fix} on first contact
        no hassle, it just got {fix} | they found the fault right away and fixed it
        support sorted it while I waited | it worked again after a single call
        quick answer and the problem went away | it was fast and everything works now
        first time I've had something solved so quickly
        """,
    },
    "good_value": {
        "da": """
        @amt: 100 kr | 150 kr | næsten 200 kr | 80 kroner
        @prod: mobilabonnement | bredbånd | tv-pakke | familieabonnement
        god værdi for pengene | prisen er rimelig i forhold til, hvad man får
        billigere end mit gamle selskab og lige så godt | fair pris, og man får meget data
        sparer {amt} om måneden, efter jeg skiftede til jer
        den bedste pris, jeg kunne finde på {prod} | rigtig godt tilbud på {prod}
        man får meget for pengene | konkurrencedygtige priser | billigt, og det virker
        kan ikke finde noget billigere med samme kvalitet | studierabatten er super
        """,
        "nb": """
        @amt: 100 kr | 150 kr | nesten 200 kr | 80 kroner
        @prod: mobilabonnement | bredbånd | tv-pakke | familieabonnement
        god verdi for pengene | prisen er rimelig for det man får
        billigere enn det gamle selskapet mitt og like bra | grei pris, og man får mye data
        sparer {amt} i måneden etter at jeg byttet til dere
        den beste prisen jeg fant på {prod} | kjempegodt tilbud på {prod}
        man får mye for pengene | konkurransedyktige priser | billig, og det fungerer
        finner ikke noe billigere med samme kvalitet | studentrabatten er supert
        """,
        "sv": """
        @amt: 100 kr | 150 kr | nästan 200 kr | 80 kronor
        @prod: mobilabonnemang | bredband | tv-paket | familjeabonnemang
        prisvärt | valuta för pengarna | priset är rimligt för det man får
        billigare än mitt gamla bolag och lika bra | schyst pris och man får mycket surf
        sparar {amt} i månaden sedan jag bytte till er
        det bästa priset jag hittade på {prod} | riktigt bra erbjudande på {prod}
        man får mycket för pengarna | konkurrenskraftiga priser | billigt och det funkar
        hittar inget billigare med samma kvalitet | studentrabatten är grym
        """,
        "en": """
        @amt: £10 | 100 kr | nearly 200 kr | €12
        @prod: a mobile plan | broadband | a TV package | a family plan
        good value for money | the price is fair for what you get
        cheaper than my old provider and just as good | fair price and you get loads of data
        saving {amt} a month since I switched to you
        the best price I could find for {prod} | really good deal on {prod}
        you get a lot for your money | competitive prices | cheap and it works
        can't find anything cheaper with the same quality | the student discount is great
        """,
    },
    "easy_setup": {
        "da": """
        @dev: routeren | boksen | tv-boksen | eSIM'en | den nye router
        det var {int} nemt at sætte {dev} op | {dev} var klar på ti minutter
        installationen tog kun fem minutter | satte bare stikket i, og så virkede det
        nem opsætning og god vejledning | kunne selv installere det hele uden problemer
        guiden i appen gjorde det let at komme i gang | alt virkede, så snart jeg tilsluttede {dev}
        skiftet fra mit gamle selskab gik helt smertefrit
        flytningen af mit bredbånd gik let og nemt
        plug and play, sådan skal det være | overraskende let at komme i gang
        """,
        "nb": """
        @dev: ruteren | boksen | tv-boksen | eSIM-en | den nye ruteren
        det var {int} enkelt å sette opp {dev} | {dev} var klar på ti minutter
        installasjonen tok bare fem minutter | plugget den bare i, og så virket det
        enkelt oppsett og god veiledning | kunne installere alt selv uten problemer
        veiledningen i appen gjorde det lett å komme i gang
        alt virket med en gang jeg koblet til {dev}
        byttet fra det gamle selskapet gikk helt smertefritt | flyttingen av bredbåndet gikk greit
        plug and play, sånn skal det være | overraskende lett å komme i gang
        """,
        "sv": """
        @dev: routern | boxen | tv-boxen | mottagaren | den nya routern
        det var {int} enkelt att installera {dev} | {dev} var klar på tio minuter
        installationen tog bara fem minuter | bara att koppla in och så fungerade det
        enkel installation och bra instruktioner | kunde installera allt själv utan problem
        guiden i appen gjorde det lätt att komma igång
        allt fungerade direkt när jag kopplade in {dev}
        bytet från mitt gamla bolag gick helt smärtfritt | flytten av bredbandet gick smidigt
        plug and play, så ska det vara | förvånansvärt lätt att komma igång
        """,
        "en": """
        @dev: the router | the box | the TV box | the eSIM | the new router
        it was {int} easy to set up {dev} | {dev} was ready in ten minutes
        installation only took five minutes | just plugged it in and it worked
        easy setup and good instructions | could install everything myself without any problems
        the guide in the app made it easy to get started
        everything worked straight away when I connected {dev}
        switching from my old provider was completely painless | moving my broadband was smooth
        plug and play, that's how it should be | surprisingly easy to get started
        """,
    },
}

GENERIC: Final[dict[str, dict[str, str]]] = {
    "promoter": {
        "da": """meget tilfreds | alt fungerer bare | kan varmt anbefales | ingen klager herfra
        har været kunde i mange år og er glad | fin oplevelse | top | I gør det godt""",
        "nb": """veldig fornøyd | alt bare fungerer | kan absolutt anbefales | ingen klager herfra
        har vært kunde i mange år og er fornøyd | fin opplevelse | topp | dere gjør en god jobb""",
        "sv": """mycket nöjd | allt bara fungerar | kan varmt rekommenderas
        inga klagomål härifrån
        har varit kund i många år och är nöjd | bra upplevelse | toppen | ni gör ett bra jobb""",
        "en": """very happy | everything just works | would definitely recommend
        no complaints here
        been a customer for years and I'm happy | great experience | top notch
        keep up the good work""",
    },
    "passive": {
        "da": """det er okay | fint nok | hverken godt eller dårligt | som forventet | middel
        det fungerer, men intet særligt | kunne være bedre, kunne være værre | helt i orden""",
        "nb": """det er greit | helt ok | verken bra eller dårlig | som forventet | middels
        det fungerer, men ikke noe spesielt | kunne vært bedre, kunne vært verre | helt i orden""",
        "sv": """det är okej | helt ok | varken bra eller dåligt | som förväntat | medel
        det funkar men inget speciellt | kunde varit bättre, kunde varit sämre
        helt i sin ordning""",
        "en": """it's okay | fine | neither good nor bad | as expected | average
        it works but nothing special | could be better, could be worse | all right I guess""",
    },
    "detractor": {
        "da": """dårlig oplevelse | ikke tilfreds | elendig service | skuffende | aldrig igen
        overvejer at skifte selskab | meget utilfreds | det bliver ikke bedre""",
        "nb": """dårlig opplevelse | ikke fornøyd | elendig service | skuffende | aldri igjen
        vurderer å bytte selskap | svært misfornøyd | det blir ikke bedre""",
        "sv": """dålig upplevelse | inte nöjd | usel service | besviken | aldrig mer
        funderar på att byta bolag | mycket missnöjd | det blir inte bättre""",
        "en": """bad experience | not happy | terrible service | disappointing | never again
        thinking about switching provider | very dissatisfied | it's not getting any better""",
    },
}


HEDGE: Final[dict[str, dict[str, str]]] = {
    "after_negative": {
        "da": "ellers er jeg tilfreds | ellers fint nok | resten fungerer fint",
        "nb": "ellers er jeg fornøyd | ellers greit nok | resten fungerer fint",
        "sv": "annars är jag nöjd | annars helt ok | resten funkar bra",
        "en": "otherwise I'm happy | otherwise fine | the rest works fine",
    },
    "after_positive": {
        "da": "men intet særligt ud over det | men der er plads til forbedring",
        "nb": "men ikke noe spesielt utover det | men det er rom for forbedring",
        "sv": "men inget speciellt utöver det | men det finns utrymme för förbättring",
        "en": "but nothing special beyond that | but there's room for improvement",
    },
}

CONTRAST: Final[dict[str, str]] = {"da": "men", "nb": "men", "sv": "men", "en": "but"}
