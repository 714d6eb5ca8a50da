"""Text analysis for English, French and Traditional Chinese, with Whoosh's analyzers.

Words are lower-cased, stripped of common English and French words, folded to their
unaccented form (`équipe` and `equipe` index alike) and stemmed. An idea says which
language it is written in, so its words get that language's stem; text of unknown
language (and Latin words in Chinese text) gets both the English and the French stem at
the word's position. A query does not know the language of what it looks for, so each of
its words asks for either stem: either language's inflections are found. Han
characters have no spaces between words, so each run of them is cut into overlapping
bigrams (公務員 -> 公務, 務員): a search for 公務員 then matches the same two bigrams in
sequence, the usual approach of CJK search engines when no dictionary is at hand.
"""

import re
import unicodedata
from functools import lru_cache

from whoosh.analysis import Filter, LowercaseFilter, StopFilter, Token, Tokenizer
from whoosh.lang import stemmer_for_language, stopwords_for_language

# CJK Unified Ideographs, Extension A, the compatibility block and the supplementary planes.
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
# A run of Han characters, or a word of other letters and digits. Apostrophes are not word
# characters, so French elisions (l'équipe) split into their words.
_TOKEN = re.compile(f"([{HAN}]+)|[^\\W_{HAN}]+")
_IS_HAN = re.compile(f"[{HAN}]")
# Text to index may start with LANGUAGE_MARK + "en" or "fr" + LANGUAGE_MARK: Whoosh hands
# analyzers the field value only, so the idea's language travels inside it (a private-use
# character, which searches never contain: sanitising removes them).
LANGUAGE_MARK = "\ue000"
STEMMED_LANGUAGES = ("en", "fr")


def mark_language(text: str, language: str | None) -> str:
    """Prefix text with its language, for the analyzer to stem it in that language only."""
    if language in STEMMED_LANGUAGES and text:
        return f"{LANGUAGE_MARK}{language}{LANGUAGE_MARK}{text}"
    return text


def _split_language(value: str) -> tuple[str | None, int]:
    """The marked language and where the text proper starts."""
    if value.startswith(LANGUAGE_MARK):
        end = value.find(LANGUAGE_MARK, 1)
        if end > 0 and value[1:end] in STEMMED_LANGUAGES:
            return value[1:end], end + 1
    return None, 0


def _fold_stoplist() -> frozenset[str]:
    words = set(stopwords_for_language("en")) | set(stopwords_for_language("fr"))
    # Whoosh's French list leaves out a few of the commonest words.
    words |= {"les", "cet", "cette", "dont", "aussi", "comme", "tout", "tous", "toutes"}
    words |= {fold(word) for word in words}
    # Single Latin letters and digits left by elisions (l', d', qu') carry no meaning.
    words |= set("abcdefghijklmnopqrstuvwxyz0123456789")
    return frozenset(words)


# Word caches: words follow a long tail, so the commonest 20,000 give most hits; larger
# caches grew a worker by tens of MB while it reindexed thousands of ideas after a vote storm.
WORD_CACHE = 20_000


@lru_cache(maxsize=WORD_CACHE)
def fold(text: str) -> str:
    """The text without accents, full-width forms or ligatures: `Équipe` -> `Equipe`."""
    if text.isascii():
        return text
    # NFKC folds full-width Latin and compatibility ideographs; NFD then splits accents off.
    decomposed = unicodedata.normalize("NFD", unicodedata.normalize("NFKC", text))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", stripped).replace("œ", "oe").replace("æ", "ae")


def is_han(text: str) -> bool:
    """True when the text contains a Han character."""
    return _IS_HAN.search(text) is not None


class MultilingualTokenizer(Tokenizer):
    """Words of any alphabet, with runs of Han characters cut into overlapping bigrams."""

    def __eq__(self, other):
        return other.__class__ is self.__class__

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs,
    ):
        """Yield one reused Token per word or bigram, as Whoosh tokenizers do."""
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        token.language, offset = _split_language(value)
        if not tokenize:
            token.original = token.text = value
            token.boost, token.stopped = 1.0, False
            if positions:
                token.pos = start_pos
            if chars:
                token.startchar, token.endchar = start_char, start_char + len(value)
            yield token
            return
        pos = start_pos
        # Character offsets stay those of the value as given (marker included).
        for start, end in _spans(value, offset):
            token.text = value[start:end]
            token.boost, token.stopped = 1.0, False
            if keeporiginal:
                token.original = token.text
            if positions:
                token.pos = pos
            if chars:
                token.startchar, token.endchar = start_char + start, start_char + end
            pos += 1
            yield token


def _spans(value: str, offset: int = 0):
    """(start, end) of every word, or of every Han bigram, in order, from `offset` on."""
    for match in _TOKEN.finditer(value, offset):
        start, end = match.span()
        if match.group(1) is None or end - start == 1:
            yield start, end
        else:
            for i in range(start, end - 1):
                yield i, i + 2


class FoldFilter(Filter):
    """Fold accents and full-width forms."""

    is_morph = True

    def __eq__(self, other):
        return other.__class__ is self.__class__

    def __call__(self, tokens):
        """Fold each token's text in place."""
        for token in tokens:
            token.text = fold(token.text)
            yield token


@lru_cache(maxsize=WORD_CACHE)
def stems(word: str, language: str | None = None) -> tuple[str, ...]:
    """The stem of a folded word in its language, or (unknown) its English and French stems."""
    if is_han(word) or not word.isalpha():
        return (word,)
    if language == "en":
        return (_english(word),)
    if language == "fr":
        return (_french(word),)
    english, french = _english(word), _french(word)
    return (english,) if english == french else (english, french)


_english = stemmer_for_language("en")
_french = stemmer_for_language("fr")


class BilingualStemFilter(Filter):
    """Stem in the text's language; for unknown language, both stems at the word's position."""

    is_morph = True

    def __eq__(self, other):
        return other.__class__ is self.__class__

    def __call__(self, tokens):
        """Yield the token once per distinct stem (same position, same characters)."""
        for token in tokens:
            if token.stopped:
                yield token
                continue
            for stem in stems(token.text, getattr(token, "language", None)):
                token.text = stem
                yield token


STOP_WORDS = _fold_stoplist()


def text_analyzer():
    """The analyzer of every free-text field (title, body, discussion, names)."""
    # minsize=1 keeps single Han characters; single Latin letters are in the stop list.
    return (
        MultilingualTokenizer()
        | LowercaseFilter()
        | StopFilter(stoplist=STOP_WORDS, minsize=1)
        | FoldFilter()
        | BilingualStemFilter()
    )


def spelling_analyzer():
    """Title words as written (lower-cased, accents kept), the vocabulary of "did you mean"."""
    return MultilingualTokenizer() | LowercaseFilter() | StopFilter(stoplist=STOP_WORDS, minsize=1)


def names_analyzer():
    """Names (authors, themes, groups, departments): folded and not stemmed."""
    # Stop words go here too, or a search for "the" or a lone AND would match every name.
    return (
        MultilingualTokenizer()
        | LowercaseFilter()
        | StopFilter(stoplist=STOP_WORDS, minsize=1)
        | FoldFilter()
    )
