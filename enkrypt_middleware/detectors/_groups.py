"""Words for protected groups (gender, race and ethnicity, religion, nationality, age, disability, sexual
orientation), shared by ``bias`` (generalisations about a group) and ``toxicity`` (calls for violence and
dehumanising language aimed at a group).

``GROUP`` is a regular-expression fragment (no capturing groups, lower-case text) that matches a group
named in the plural or generically: "women", "muslims", "black people", "gay men", "the elderly",
"old folks", "immigrants". Every alternative is a fixed word sequence, so it costs the regex engine no
backtracking beyond the words themselves.
"""

from __future__ import annotations

__all__ = ["GROUP", "GROUP_ADJECTIVES", "GROUP_NOUNS", "PEOPLE_NOUNS", "THE_GROUPS"]

#: Plural nouns that name a protected group on their own.
GROUP_NOUNS: tuple[str, ...] = tuple(
    """women men girls boys females males ladies wives husbands mothers mums moms fathers dads
    blacks whites asians latinos latinas latinx hispanics arabs africans caucasians negroes natives
    aborigines gypsies roma jews muslims moslems christians catholics protestants hindus buddhists sikhs
    atheists mormons evangelicals
    immigrants migrants refugees foreigners illegals aliens expats
    americans mexicans chinese japanese koreans indians pakistanis russians germans french brits british
    irish italians poles ukrainians nigerians somalis syrians afghans iranians iraqis turks israelis
    palestinians canadians australians africans europeans filipinos vietnamese thais
    boomers millennials zoomers teenagers teens seniors pensioners elders retirees youngsters
    disabled autistics cripples paraplegics
    gays lesbians homosexuals bisexuals transgenders transsexuals trannies queers""".split()
)

#: Adjectives that name a group before a people-noun ("black people", "gay men", "old folks").
GROUP_ADJECTIVES: tuple[str, ...] = tuple(
    """black white asian latino latina hispanic arab african jewish muslim christian catholic hindu buddhist
    sikh atheist mormon immigrant foreign mexican chinese japanese korean indian pakistani russian german
    french british irish italian polish ukrainian nigerian somali syrian afghan iranian iraqi turkish
    israeli palestinian american canadian european filipino vietnamese native indigenous
    old older elderly young younger disabled autistic blind deaf handicapped mentally
    gay lesbian bisexual trans transgender queer straight female male""".split()
)

#: Nouns for people that follow a group adjective.
PEOPLE_NOUNS: tuple[str, ...] = tuple(
    "people persons folks folk men women guys girls boys kids children individuals adults workers drivers".split()
)

#: Groups named with "the" ("the elderly", "the jews"); each is a group noun or adjective as well.
THE_GROUPS: tuple[str, ...] = tuple("elderly disabled handicapped blind deaf jews gays blacks whites muslims".split())


def _alternation(words: tuple[str, ...]) -> str:
    return "|".join(sorted(set(words), key=lambda w: (-len(w), w)))


#: A group named in the plural or generically (see the module docstring). Lower-case text.
GROUP = (
    rf"(?:(?:{_alternation(GROUP_ADJECTIVES)}) (?:{_alternation(PEOPLE_NOUNS)})"
    rf"|the (?:{'|'.join(THE_GROUPS)})"
    rf"|(?:{_alternation(GROUP_NOUNS)}))"
)
