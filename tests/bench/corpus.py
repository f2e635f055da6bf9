"""Synthetic news articles for the benchmarks: English, French and Arabic, deterministic.

Sentences come from templates with people, organisations and places slotted
in; each language gets a pool of filled sentences (with their entity offsets)
and an article is a random run of pool sentences until it reaches its size in
UTF-8 bytes. The same seed always gives the same corpus.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from pathlib import Path

SEED = 20240613
LANG_MIX = (("en", 0.5), ("fr", 0.3), ("ar", 0.2))

_NAMES = {
    "en": {
        "first": "Abdellatif Christopher Maria James Fatima Daniel Sarah Hicham Laura Michael Nadia "
                 "Robert Aisha Thomas Emily Youssef Anna David".split(),
        "last": "Hammouchi Wray Santos Miller Benali Carter Haines Mouatadid Jensen O'Connor "
                "Alaoui Fischer Brooks Tazi Moreau Hughes".split(),
        "ORG": ["the FBI", "the United Nations", "Interpol", "the European Commission", "Reuters",
                "the World Bank", "the DGST", "the State Department", "NATO", "the African Union",
                "Microsoft", "the Red Cross", "the Ministry of the Interior", "Europol"],
        "GPE": ["Morocco", "the United States", "Rabat", "Washington", "Paris", "Algeria", "Mali",
                "Brussels", "Madrid", "Niger", "Casablanca", "Tunisia", "Senegal", "London"],
    },
    "fr": {
        "first": "Abdellatif Christophe Marie Jean Fatima Daniel Sophie Hicham Laure Michel Nadia "
                 "Pierre Aïcha Thomas Émilie Youssef Anne Luc".split(),
        "last": "Hammouchi Dubois Martin Lefèvre Benali Girard Laurent Mouatadid Rousseau Bernard "
                "Alaoui Fournier Mercier Tazi Moreau Garnier".split(),
        "ORG": ["la DGST", "l'ONU", "Interpol", "la Commission européenne", "l'AFP", "la Banque mondiale",
                "le FBI", "le Quai d'Orsay", "l'OTAN", "l'Union africaine", "la Croix-Rouge",
                "le ministère de l'Intérieur", "Europol"],
        "GPE": ["le Maroc", "les États-Unis", "Rabat", "Washington", "Paris", "l'Algérie", "le Mali",
                "Bruxelles", "Madrid", "le Niger", "Casablanca", "la Tunisie", "le Sénégal", "Lyon"],
    },
    "ar": {
        "first": "عبد_اللطيف كريستوفر مريم جمال فاطمة دانيال سارة هشام ليلى محمد نادية يوسف عائشة "
                 "أحمد سلمى خالد".split(),
        "last": "الحموشي وراي السنتيسي الإدريسي بنعلي الفاسي التازي المعتضد العلوي الرامي "
                "البقالي الشرقاوي".split(),
        "ORG": ["مكتب التحقيقات الفيدرالي", "الأمم المتحدة", "الإنتربول", "المفوضية الأوروبية",
                "البنك الدولي", "المديرية العامة للأمن الوطني", "حلف الناتو", "الاتحاد الأفريقي",
                "الصليب الأحمر", "وزارة الداخلية"],
        "GPE": ["المغرب", "الولايات المتحدة", "الرباط", "واشنطن", "باريس", "الجزائر", "مالي",
                "بروكسل", "مدريد", "النيجر", "الدار البيضاء", "تونس", "السنغال"],
    },
}

_TEMPLATES = {
    "en": [
        "{PERSON}, head of {ORG}, met {PERSON} in {GPE} on {DAY} to discuss border security.",
        "According to {ORG}, the delegation from {GPE} stayed for {NUM} days.",
        "{PERSON} said the talks with {ORG} had been \"frank and productive\".",
        "The visit to {GPE} follows an agreement signed last year between {ORG} and {ORG}.",
        "Officials in {GPE} declined to comment on the report published by {ORG}.",
        "In a statement, {PERSON} praised the cooperation between {GPE} and {GPE}.",
        "More than {NUM} officers took part in the exercise near {GPE}, {ORG} said.",
        "{PERSON} and {PERSON} are expected in {GPE} again before the end of the month.",
        "Analysts say the meeting marks a shift in how {GPE} deals with regional threats.",
        "The programme, funded by {ORG}, trains {NUM} specialists a year in {GPE}.",
        "On {DAY}, {ORG} announced new measures against organised crime.",
        "Critics, including {PERSON}, warned that the plan lacked oversight.",
    ],
    "fr": [
        "{PERSON}, à la tête de {ORG}, a rencontré {PERSON} à {GPE} le {DAY} pour évoquer la sécurité.",
        "Selon {ORG}, la délégation venue de {GPE} est restée {NUM} jours.",
        "{PERSON} a qualifié les échanges avec {ORG} de « francs et constructifs ».",
        "Cette visite en {GPE} fait suite à un accord signé l'an dernier entre {ORG} et {ORG}.",
        "Les autorités de {GPE} n'ont pas souhaité commenter le rapport publié par {ORG}.",
        "Dans un communiqué, {PERSON} a salué la coopération entre {GPE} et {GPE}.",
        "Plus de {NUM} agents ont participé à l'exercice près de {GPE}, selon {ORG}.",
        "{PERSON} et {PERSON} sont attendus de nouveau à {GPE} avant la fin du mois.",
        "Pour les analystes, cette rencontre marque un tournant dans la politique de {GPE}.",
        "Le programme, financé par {ORG}, forme {NUM} spécialistes par an à {GPE}.",
        "Le {DAY}, {ORG} a annoncé de nouvelles mesures contre la criminalité organisée.",
        "Des voix critiques, dont celle de {PERSON}, dénoncent un manque de contrôle.",
    ],
    "ar": [
        "التقى {PERSON}، رئيس {ORG}، بنظيره {PERSON} في {GPE} يوم {DAY} لبحث أمن الحدود.",
        "وحسب {ORG}، فقد مكث الوفد القادم من {GPE} مدة {NUM} أيام.",
        "وصف {PERSON} المحادثات مع {ORG} بأنها صريحة ومثمرة.",
        "تأتي الزيارة إلى {GPE} بعد اتفاق وقع العام الماضي بين {ORG} و{ORG}.",
        "رفض المسؤولون في {GPE} التعليق على التقرير الذي نشرته {ORG}.",
        "وأشاد {PERSON} في بيان بالتعاون بين {GPE} و{GPE}.",
        "شارك أكثر من {NUM} عنصر في التمرين قرب {GPE}، بحسب {ORG}.",
        "ومن المنتظر أن يعود {PERSON} و{PERSON} إلى {GPE} قبل نهاية الشهر.",
        "ويرى محللون أن اللقاء يمثل تحولا في تعامل {GPE} مع التهديدات الإقليمية.",
        "ويدرب البرنامج الذي تموله {ORG} نحو {NUM} متخصص سنويا في {GPE}.",
    ],
}

_DAYS = {
    "en": "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split(),
    "fr": "lundi mardi mercredi jeudi vendredi samedi dimanche".split(),
    "ar": "الإثنين الثلاثاء الأربعاء الخميس الجمعة السبت الأحد".split(),
}


@dataclass
class Sentence:
    text: str
    entities: list[tuple[int, int, str]]  # offsets within the sentence
    nbytes: int


@dataclass
class SyntheticArticle:
    title: str
    text: str  # already in stored form (NFC, LF)
    lang: str
    entities: list[tuple[int, int, str]] = field(default_factory=list)


def _fill(template: str, lang: str, rng: random.Random) -> Sentence:
    names = _NAMES[lang]
    out: list[str] = []
    entities: list[tuple[int, int, str]] = []
    pos = 0
    for i, part in enumerate(template.replace("}", "{").split("{")):
        if i % 2 == 0:
            piece, label = part, None
        elif part == "PERSON":
            piece, label = f"{rng.choice(names['first'])} {rng.choice(names['last'])}", "PERSON"
            piece = piece.replace("_", " ")
        elif part in ("ORG", "GPE"):
            piece, label = rng.choice(names[part]), part
        elif part == "DAY":
            piece, label = rng.choice(_DAYS[lang]), None
        else:  # NUM
            piece, label = str(rng.randint(2, 950)), None
        if label:
            entities.append((pos, pos + len(piece), label))
        out.append(piece)
        pos += len(piece)
    text = "".join(out)
    return Sentence(text, entities, len(text.encode()) + 1)


class CorpusGenerator:
    """Deterministic articles: ``article(size_bytes, lang)`` or ``articles(n, ...)``."""

    def __init__(self, seed: int = SEED, pool_size: int = 4000):
        self.rng = random.Random(seed)
        self.pools = {lang: [_fill(self.rng.choice(tpls), lang, self.rng) for _ in range(pool_size)]
                      for lang, tpls in _TEMPLATES.items()}
        self.count = 0

    def pick_lang(self) -> str:
        r, acc = self.rng.random(), 0.0
        for lang, share in LANG_MIX:
            acc += share
            if r < acc:
                return lang
        return LANG_MIX[-1][0]

    def article(self, size_bytes: int, lang: str | None = None, *, entities: bool = True) -> SyntheticArticle:
        """One article of about ``size_bytes`` UTF-8 bytes (never less than the title)."""
        lang = lang or self.pick_lang()
        self.count += 1
        pool = self.pools[lang]
        title = f"{pool[self.rng.randrange(len(pool))].text[:70].rstrip(' ,.')} ({self.count})"
        parts = [title, "\n\n"]
        ents: list[tuple[int, int, str]] = []
        pos = len(title) + 2
        nbytes = len(title.encode()) + 2
        in_paragraph = 0
        while nbytes < size_bytes:
            for s in self.rng.choices(pool, k=16):
                if in_paragraph >= 4 and self.rng.random() < 0.3:
                    parts.append("\n\n")
                    pos, nbytes, in_paragraph = pos + 2, nbytes + 2, 0
                elif in_paragraph:
                    parts.append(" ")
                    pos, nbytes = pos + 1, nbytes + 1
                parts.append(s.text)
                if entities:
                    ents.extend((pos + a, pos + b, label) for a, b, label in s.entities)
                pos += len(s.text)
                nbytes += s.nbytes - 1
                in_paragraph += 1
                if nbytes >= size_bytes:
                    break
        parts.append("\n")
        return SyntheticArticle(title, "".join(parts), lang, ents)

    def size(self, low: int = 2_000, high: int = 16_000, tail: float = 0.001,
             tail_high: int = 1_000_000) -> int:
        """An article size: log-uniform in [low, high], with a rare long tail up to tail_high."""
        if self.rng.random() < tail:
            low, high = high, tail_high
        return int(math.exp(self.rng.uniform(math.log(low), math.log(high))))

    def articles(self, n: int, *, low: int = 2_000, high: int = 16_000, tail: float = 0.001,
                 entities: bool = True, lang: str | None = None):
        """``n`` articles in the language mix (or all in ``lang``), sizes from :meth:`size`."""
        for _ in range(n):
            yield self.article(self.size(low, high, tail), lang, entities=entities)


def write_txt_files(directory: Path, n: int, *, seed: int = SEED, **kwargs) -> tuple[list[Path], int]:
    """Write ``n`` articles as .txt files (sharded in folders of 1,000); return paths and bytes."""
    gen = CorpusGenerator(seed)
    paths, total = [], 0
    for i, art in enumerate(gen.articles(n, entities=False, **kwargs)):
        folder = directory / f"{i // 1000:03d}"
        if i % 1000 == 0:
            folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{i:06d}_{art.lang}.txt"
        data = art.text.encode()
        path.write_bytes(data)
        paths.append(path)
        total += len(data)
    return paths, total
