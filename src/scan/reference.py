"""Fixed reference texts that give relevance a scale of its own, the same in every library.

A query's cosine to a passage says little by itself: every text the encoder sees scores 0.7-0.9
against every other, and a query about meatballs scores almost as high against an analysis of
municipal trends as a query about recruitment does. What does say something is how much closer
the query comes to the passage than to texts that cannot answer it. These are those texts:
everyday prose on subjects far from a strategist's library (cooking, sport, travel, gardening,
shopping, entertainment, household matters, nature), written by the scan team for this purpose
(not taken from the evaluation queries), in Swedish and in English, so that a passage is compared
with references in its own language and the scale does not favour a language.

`reference_level(encoder, query_vector)` is, per language, the mean of the query's REFERENCE_TOP
highest cosines to the references of that language. The reference vectors are computed once per
encoder and kept in scan's cache (`reference/` beside the converted model; recomputed when the
texts change).
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)

REFERENCE_TOP = 3  # the query's best references per language that set its level

SV: tuple[str, ...] = (
    "Vispa ihop mjöl, mjölk och ägg till en slät smet och grädda tunna pannkakor i en het panna.",
    "Låt degen jäsa under bakduk i fyrtio minuter innan du formar bullarna och gräddar dem i ugnen.",
    "Till helgens middag lagar vi en krämig svampsoppa med färsk timjan och rostat bröd.",
    "Koka pastan al dente och blanda den med tomatsås, basilika och riven parmesan.",
    "Laget vann matchen med två mål mot ett efter ett sent avgörande i andra halvlek.",
    "Hon slog personligt rekord på maratonsträckan och sprang i mål på under tre timmar.",
    "Skidsäsongen i fjällen börjar i december och liftarna håller öppet till påsk.",
    "Ishockeyfinalen avgjordes på övertid inför en utsåld arena.",
    "Vi hyrde en stuga vid sjön och badade, fiskade abborre och grillade varje kväll.",
    "Flyget till Mallorca avgår tidigt på morgonen, så packa kvällen innan och checka in på nätet.",
    "Tågresan genom Alperna bjuder på snöklädda toppar och djupa dalar.",
    "Så tomatfröna inomhus i mars och plantera ut dem när risken för frost är över.",
    "Rosorna behöver beskäras på våren och gödslas regelbundet under sommaren.",
    "Gräsmattan blir tätare om du klipper den ofta och inte för kort.",
    "Rean börjar på måndag med upp till halva priset på vinterjackor och kängor.",
    "Den nya telefonen har bättre kamera, längre batteritid och en större skärm.",
    "Jämför elpriser och räntor innan du binder ditt avtal eller ditt bolån.",
    "Filmen följer en ung detektiv som löser ett mord i ett litet kustsamhälle.",
    "Bandet släpper ett nytt album i höst och åker ut på turné i hela landet.",
    "Romanen handlar om tre syskon som återvänder till barndomshemmet efter moderns död.",
    "Kvällens tv-program är en frågesport där lagen tävlar om en resa.",
    "Hunden behöver långa promenader varje dag och mår bra av att få leka med andra hundar.",
    "Katten har slutat äta, så vi bokade en tid hos veterinären.",
    "Städa badrummet med ättika för att få bort kalkfläckar från kakel och kranar.",
    "Byt vinterdäck på bilen när temperaturen börjar närma sig noll grader.",
    "Måla om köket i en ljus kulör och byt luckorna på skåpen för ett nytt intryck.",
    "I morgon blir det soligt och varmt, men mot kvällen kan det komma åskskurar.",
    "Älgen stod stilla i gläntan i skymningen innan den försvann in bland granarna.",
    "Fåglarna flyttar söderut på hösten och återvänder till häckningsplatserna på våren.",
    "Norrskenet syntes tydligt över himlen i natt tack vare den klara luften.",
    "Drick mycket vatten, vila och ta något febernedsättande om du blir förkyld.",
    "Ett kort träningspass med knäböj och armhävningar kan göras hemma utan redskap.",
    "Barnen byggde en koja i skogen och lekte där hela eftermiddagen.",
    "Bröllopet hölls i en gammal lada med levande musik och dans till långt in på natten.",
    "Stickad tröja i ull håller värmen även när den blir fuktig.",
    "Schackturneringen avgjordes i sista ronden när den unga utmanaren vann med svart.",
)

EN: tuple[str, ...] = (
    "Whisk flour, milk and eggs into a smooth batter and fry thin pancakes in a hot pan.",
    "Let the dough rise for forty minutes before shaping the loaves and baking them in a hot oven.",
    "For Sunday dinner we roasted a chicken with lemon, garlic and fresh rosemary.",
    "Cook the pasta until al dente and toss it with tomato sauce, basil and grated parmesan.",
    "The team won the match two goals to one after a late winner in the second half.",
    "She set a personal best in the marathon and crossed the line in under three hours.",
    "The ski season in the mountains starts in December and the lifts stay open until Easter.",
    "The tennis final went to five sets before the champion held on to her title.",
    "We rented a cabin by the lake and spent the days swimming, fishing and barbecuing.",
    "The flight to Lisbon leaves early in the morning, so pack the night before and check in online.",
    "The train journey through the Alps offers snowy peaks and deep green valleys.",
    "Sow tomato seeds indoors in March and plant them out once the risk of frost has passed.",
    "Roses need pruning in spring and regular feeding throughout the summer.",
    "Your lawn will grow thicker if you mow it often and not too short.",
    "The sale starts on Monday with up to half off winter coats and boots.",
    "The new phone has a better camera, a longer battery life and a larger screen.",
    "Compare energy prices and interest rates before you fix your contract or your mortgage.",
    "The film follows a young detective solving a murder in a small seaside town.",
    "The band releases a new album this autumn and tours the whole country.",
    "The novel is about three siblings who return to their childhood home after their mother dies.",
    "Tonight's television programme is a quiz in which the teams compete for a holiday.",
    "The dog needs long walks every day and enjoys playing with other dogs.",
    "The cat has stopped eating, so we booked an appointment with the vet.",
    "Clean the bathroom with vinegar to remove limescale from tiles and taps.",
    "Change to winter tyres when the temperature starts to approach freezing.",
    "Repaint the kitchen in a light colour and replace the cupboard doors for a fresh look.",
    "Tomorrow will be sunny and warm, but thunderstorms may arrive in the evening.",
    "The deer stood still in the clearing at dusk before vanishing among the pines.",
    "Birds fly south in autumn and return to their breeding grounds in spring.",
    "The northern lights were clearly visible last night thanks to the clear air.",
    "Drink plenty of water, rest and take something for the fever if you catch a cold.",
    "A short workout of squats and push-ups can be done at home without any equipment.",
    "The children built a den in the woods and played there all afternoon.",
    "The wedding was held in an old barn with live music and dancing late into the night.",
    "A wool jumper keeps you warm even when it gets damp.",
    "The chess tournament was decided in the last round when the young challenger won with black.",
)

TEXTS: dict[str, tuple[str, ...]] = {"sv": SV, "en": EN}

_memory: dict[str, dict[str, np.ndarray]] = {}


def _digest() -> str:
    h = hashlib.sha256()
    for lang in sorted(TEXTS):
        h.update(("\n".join((lang, *TEXTS[lang])) + "\n").encode())
    return h.hexdigest()[:16]


def _cache_file(encoder_name: str) -> Path:
    from scan.embed import default_cache_dir

    ident = hashlib.sha256(encoder_name.encode()).hexdigest()[:16]
    return default_cache_dir() / "reference" / f"{ident}-{_digest()}.npz"


def reference_vectors(encoder) -> dict[str, np.ndarray]:
    """Language -> the references' vectors (as passages) for `encoder`; computed once, then cached."""
    found = _memory.get(encoder.name)
    if found is not None:
        return found
    path = _cache_file(encoder.name)
    vectors: dict[str, np.ndarray] | None = None
    try:
        with np.load(path) as stored:
            vectors = {lang: stored[lang] for lang in TEXTS}
        if any(v.shape != (len(TEXTS[lang]), encoder.dimension) for lang, v in vectors.items()):
            vectors = None
    except (OSError, KeyError, ValueError):
        vectors = None
    if vectors is None:
        vectors = {
            lang: np.asarray(encoder.encode_passages(list(texts)), dtype=np.float32) for lang, texts in TEXTS.items()
        }
        try:  # the cache is a convenience: a read-only cache folder only costs the encoding again
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp.npz")
            np.savez(tmp, **vectors)
            tmp.replace(path)
        except OSError as exc:
            logger.info("cannot cache the reference vectors in %s: %s", path, exc)
    _memory[encoder.name] = vectors
    return vectors


def reference_level(encoder, query_vector: np.ndarray) -> dict[str, float]:
    """Language -> the mean of the query's REFERENCE_TOP best cosines to that language's references."""
    out = {}
    for lang, matrix in reference_vectors(encoder).items():
        sims = np.sort(matrix @ np.asarray(query_vector, dtype=np.float32))[::-1]
        out[lang] = float(sims[:REFERENCE_TOP].mean())
    return out


def reference_means(encoder) -> dict[str, np.ndarray]:
    """Language -> the mean vector of its references (what everyday text in it has in common)."""
    key = encoder.name
    found = _means.get(key)
    if found is None:
        found = {lang: m.mean(axis=0) for lang, m in reference_vectors(encoder).items()}
        _means[key] = found
    return found


_means: dict[str, dict[str, np.ndarray]] = {}


# encoder name part -> the split between Swedish and English for a query that has no common words
# (one or two theme words: "klimat", "tillit", "remote work"): a query is Swedish when its mean cosine
# to the Swedish references exceeds that to the English ones by more than this. Chosen on 20 Swedish
# and 17 English theme words written for the purpose (not the evaluation queries): Swedish ones
# 0.020-0.068 (one, "segregation", is the same word in English: 0.001), English ones -0.001-0.017.
LANGUAGE_SPLIT: dict[str, float] = {"multilingual-e5-small": 0.018}


def vector_language(encoder, query_vector: np.ndarray) -> str | None:
    """'sv' or 'en' for a query from its vector, where the encoder has a LANGUAGE_SPLIT (else None)."""
    split = next((s for part, s in LANGUAGE_SPLIT.items() if part in encoder.name), None)
    if split is None:
        return None
    vectors = reference_vectors(encoder)
    q = np.asarray(query_vector, dtype=np.float32)
    return "sv" if float((vectors["sv"] @ q).mean() - (vectors["en"] @ q).mean()) > split else "en"
