"""A small table of topics and the words that signal them, for topics configured as a few words.

Used by ``topic_detector`` (expanding "banking" to "account", "loan", "deposit", ...), by
``policy_violation`` (expanding "Do not discuss politics" to "election", "senator", ...) and by
``relevancy`` (a question and an answer about the same topic are related even without shared words).
Each entry: the names and aliases that select it, then its related words. Hand-written, English only,
and deliberately generic: a topic missing here still works through its own words.
"""

from __future__ import annotations

from ._text import STOPWORDS, stem, words

__all__ = ["TOPICS", "expand", "topic_stems"]

_TABLE = """
finance | finance financial money personal-finance economics economy
    money budget budgeting savings saving income expense expenses debt loan loans credit interest rate rates investment
    investing invest fund funds stock stocks bond bonds portfolio dividend retirement pension ira inflation
    mortgage tax taxes salary payment payments bank banking cash currency dollar dollars euro price prices cost fee
    fees profit revenue asset assets wealth financial broker brokerage
banking | banking bank banks
    bank account accounts checking savings deposit deposits withdraw withdrawal transfer wire atm branch balance
    overdraft statement debit card cards credit loan loans mortgage interest rate teller routing iban swift online
    mobile app pin fee fees cheque check transaction transactions payee
investing | investing investment investments stocks stock-market trading
    stock stocks share shares equity bond bonds etf etfs index fund funds mutual portfolio dividend dividends broker
    brokerage trading trade trader market markets bull bear return returns yield risk diversification asset
    allocation capital gains ipo nasdaq dow valuation
insurance | insurance insurer insured policyholder
    insurance insurer policy policies premium premiums deductible claim claims coverage cover covered underwriting
    beneficiary liability auto home health life travel renter renters quote adjuster copay
tax | tax taxes taxation irs
    tax taxes irs return returns deduction deductions refund filing file income vat audit withholding bracket
    exemption credit credits capital gains payroll accountant
crypto | crypto cryptocurrency cryptocurrencies blockchain bitcoin
    bitcoin ethereum crypto cryptocurrency blockchain token tokens coin coins wallet wallets mining miner exchange
    defi nft nfts stablecoin altcoin ledger satoshi staking
real estate | real-estate property housing realestate
    house houses home homes property properties apartment rent renting rental lease landlord tenant mortgage buyer
    seller realtor listing listings condo estate housing neighborhood square feet closing escrow
health | health healthcare medical medicine wellness
    health doctor doctors physician nurse hospital clinic patient patients symptom symptoms disease diseases illness
    treatment treatments medicine medication medications drug drugs prescription dose diagnosis therapy surgery
    pain fever infection virus vaccine blood heart cancer diabetes pressure allergy injury chronic
mental health | mental-health psychology anxiety depression
    anxiety depression stress mental therapy therapist counseling counselor psychologist psychiatrist mood panic
    trauma ptsd wellbeing mindfulness suicide burnout loneliness emotional
nutrition | nutrition diet dieting food-and-health
    diet nutrition calories calorie protein carbs carbohydrate fat fats vitamin vitamins mineral minerals fiber
    sugar meal meals vegan vegetarian keto weight healthy eating nutrient nutrients supplement supplements
fitness | fitness exercise workout gym
    exercise workout workouts gym training train fitness muscle muscles cardio strength running run weight weights
    lifting squat yoga stretching endurance reps sets routine stamina
sports | sports sport athletics
    sport sports game games team teams player players match matches score scored goal goals league championship
    tournament coach season win won lose lost football soccer basketball baseball tennis golf hockey cricket
    olympic olympics athlete athletes stadium referee
football | football soccer nfl
    football soccer nfl quarterback touchdown goal goals striker keeper goalkeeper penalty league club clubs fifa
    world cup midfielder defender kick pitch referee offside
basketball | basketball nba
    basketball nba dunk dribble hoop court rebound playoffs finals
travel | travel trip trips tourism vacation holiday
    travel trip trips flight flights airline airport hotel hotels booking book reservation passport visa luggage
    baggage destination tour tourist tourism vacation holiday holidays itinerary cruise resort beach
    sightseeing
food | food cooking recipes recipe cuisine
    food cook cooking recipe recipes dish dishes meal meals ingredient ingredients bake baking oven kitchen
    restaurant chef taste flavor sauce pasta pizza bread cheese chicken beef vegetable vegetables fruit dessert
    spice spices boil fry grill soup salad breakfast lunch dinner
technology | technology tech gadgets electronics
    technology tech computer computers software hardware device devices phone smartphone laptop internet app apps
    digital online network wifi gadget electronic electronics chip processor battery cloud data
software | software programming coding code development developer
    code coding program programming programmer software developer development function functions variable bug
    bugs debug compile compiler python javascript java api library framework database sql server deploy git
    repository algorithm class method syntax script
artificial intelligence | ai artificial-intelligence machine-learning ml llm
    ai artificial intelligence machine learning model models neural network networks training dataset llm chatbot
    gpt deep transformer algorithm prediction
gaming | gaming video-games videogames games esports
    game games gaming gamer gamers console playstation xbox nintendo level levels player multiplayer steam esports
    controller quest character characters rpg shooter
music | music song songs musician musicians
    music song songs album albums band bands singer singers guitar piano drum drums concert concerts lyrics melody
    rhythm chord chords genre rock pop jazz blues hip hop rap record recording tour musician artist
movies | movies movie film films cinema tv television
    movie movies film films cinema actor actors actress director directors scene scenes hollywood oscar screenplay
    sequel trailer series episode episodes show shows netflix streaming plot cast
books | books book literature reading novels
    book books novel novels author authors writer writers story stories chapter chapters reading read poem poems
    poetry fiction publisher library literature character plot
education | education school schools learning studying university college
    school schools student students teacher teachers class classes course courses university college degree exam
    exams homework study studying lesson lessons grade grades curriculum tuition lecture professor learning
science | science scientific research
    science scientific scientist scientists research experiment experiments theory hypothesis physics chemistry
    biology laboratory lab data study discovery evidence
physics | physics physical-science
    physics energy force forces gravity mass velocity acceleration quantum particle particles atom atoms light
    electron motion momentum relativity wave waves
chemistry | chemistry chemical chemicals
    chemistry chemical chemicals molecule molecules atom atoms element elements reaction reactions compound acid
    bond bonds periodic ion solution
biology | biology biological life-science
    biology cell cells gene genes dna organism organisms species evolution protein enzyme bacteria virus anatomy
    ecology plant plants animal animals
mathematics | math maths mathematics
    math mathematics equation equations number numbers algebra geometry calculus statistics probability theorem
    proof formula integral derivative fraction
history | history historical
    history historical war wars century centuries ancient empire king queen revolution dynasty medieval era
    civilization battle colonial treaty
politics | politics political government elections
    politics political election elections vote votes voting voter candidate candidates campaign party parties
    democrat democrats republican republicans president senator senate congress parliament minister government
    legislation liberal conservative ballot politician politicians
religion | religion religious faith
    religion religious god gods faith church churches mosque temple prayer pray bible quran torah christian
    christianity islam muslim jewish judaism hindu buddhism buddhist spiritual belief beliefs
legal | legal law laws lawyer lawsuit
    law laws legal lawyer lawyers attorney court courts judge lawsuit sue suing contract contracts rights
    liability regulation regulations statute litigation plaintiff defendant
weather | weather forecast climate-today
    weather forecast rain raining snow snowing sunny cloudy storm storms temperature wind humidity degrees cold
    hot
shopping | shopping ecommerce retail
    shop shopping buy buying purchase purchases order orders cart checkout price prices discount discounts coupon
    sale sales store stores product products delivery shipping return returns refund
customer support | customer-support support customer-service orders
    order orders shipping delivery deliver track tracking package refund refunds return returns exchange account
    password login subscription cancel cancellation invoice billing support ticket complaint warranty
fashion | fashion clothing clothes style
    fashion clothes clothing dress dresses shirt shirts shoes jacket jeans style outfit wear wearing designer
    brand brands trend
cars | cars car automotive vehicles driving
    car cars vehicle vehicles drive driving driver engine tire tires brake brakes fuel gas electric ev mileage
    dealership truck suv motor
animals | animals pets pet wildlife
    animal animals pet pets dog dogs cat cats puppy kitten bird birds fish horse wildlife species veterinarian vet
    breed
environment | environment climate climate-change sustainability
    climate environment environmental pollution emissions carbon greenhouse warming recycling renewable
    sustainability sustainable energy solar wind conservation
jobs | jobs careers employment hr hiring
    job jobs career careers employer employee employees hiring hire resume interview salary promotion workplace
    manager recruiter recruitment onboarding
relationships | relationships dating love
    relationship relationships dating date boyfriend girlfriend partner marriage married wedding divorce love
    romance breakup
space | space astronomy astronomer
    space planet planets star stars galaxy universe nasa rocket astronaut orbit moon mars telescope solar
geography | geography countries
    country countries city cities capital continent river rivers mountain mountains ocean population border map
weapons | weapons weapon firearms guns
    weapon weapons gun guns firearm firearms rifle pistol ammunition ammo bomb bombs explosive explosives
    grenade knife
drugs | drugs narcotics illegal-drugs
    drug drugs cocaine heroin meth methamphetamine marijuana cannabis weed fentanyl opioid opioids narcotic
    narcotics overdose dealer
gambling | gambling betting casino
    gamble gambling bet bets betting casino poker slots lottery odds wager bookmaker jackpot
violence | violence violent harm
    kill killing murder attack assault hurt harm violence violent fight beat shoot shooting stab weapon
hacking | hacking cybersecurity security cyber
    hack hacking hacker hackers exploit exploits malware virus ransomware phishing password passwords breach
    vulnerability vulnerabilities ddos botnet keylogger crack cracking
illegal activities | illegal crime crimes criminal unlawful immoral
    illegal crime crimes criminal steal stealing theft fraud scam scams launder laundering smuggle smuggling
    counterfeit bribe bribery drugs weapons hack hacking piracy trafficking forgery
adult | adult sexual sex explicit porn nsfw
    sex sexual porn pornography nude nudity explicit erotic fetish
"""


def _parse(table: str) -> dict[str, tuple[frozenset[frozenset[str]], frozenset[str]]]:
    entries: dict[str, tuple[frozenset[frozenset[str]], frozenset[str]]] = {}
    name = ""
    names: set[frozenset[str]] = set()
    related: set[str] = set()
    for line in table.strip().splitlines():
        if not line.startswith(" "):
            if name:
                entries[name] = (frozenset(names), frozenset(related))
            name, _, aliases = line.partition("|")
            name = name.strip()
            names = {frozenset(topic_stems(alias.replace("-", " "))) for alias in aliases.split()}
            names.discard(frozenset())
            related = set()
        else:
            related.update(stem(word) for word in words(line) if word not in STOPWORDS)
    if name:
        entries[name] = (frozenset(names), frozenset(related))
    return entries


def topic_stems(phrase: str) -> list[str]:
    """The stems of a topic phrase's words, stop words dropped."""
    return [stem(word) for word in words(phrase) if word not in STOPWORDS]


def expand(phrase: str) -> frozenset[str]:
    """Related-word stems of every table topic the phrase names ("personal finance" -> finance's words).

    A table topic is named when its name (all its words) or one of its aliases occurs in the phrase.
    """
    present = set(topic_stems(phrase))
    out: set[str] = set()
    for name, (aliases, related) in TOPICS.items():
        if any(alias <= present for alias in (frozenset(topic_stems(name)), *aliases)):
            out.update(related)
    return frozenset(out)


#: Topic name -> (its aliases, each as the set of stems that names it, and the stems of its related words).
TOPICS = _parse(_TABLE)
