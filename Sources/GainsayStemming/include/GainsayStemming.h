#ifndef GAINSAY_STEMMING_H
#define GAINSAY_STEMMING_H

/// Word analysis shared by the `gainsay` FTS5 tokenizer and the Swift side (GainsayCore's TextAnalysis), so that
/// the index, repeat detection, evidence suggestions and snippets fold, stem and key words the same way.
///
/// Every function takes one word as UTF-8 (`n` bytes, no terminator needed) and writes its result to `out`
/// (`cap` bytes, not terminated); it returns the result's length in bytes, or -1 when `out` is too small or
/// memory runs out. None keeps state between calls except the stemmers, which are per thread, so all are safe
/// to call from any thread. Words longer than GAINSAY_WORD_MAX bytes are not stemmed or keyed: they come back
/// unchanged.

/// Longer words are returned unchanged by gainsay_stem and gainsay_name_key.
#define GAINSAY_WORD_MAX 256

/// Folds a lower-cased word (by unicode61 or a Unicode lower-case mapping) further, as the index does:
/// Latin letters with diacritics in U+00C0–U+024F become their base letter exactly as unicode61's
/// remove_diacritics 2 maps them (é → e, ł stays ł); combining marks U+0300–U+036F (the Russian stress mark)
/// are dropped; ё becomes е; Greek tonos and dialytika are dropped and final sigma becomes σ; ASCII, Latin-1,
/// Cyrillic and Greek capitals left in the word are lower-cased. Output is at most `n` bytes.
int gainsay_fold(const char *word, int n, char *out, int cap);

/// The Snowball stem (libstemmer) of a folded word: Russian for a word all in Cyrillic, English for a word all
/// in Latin letters; a word mixing scripts, holding digits or in another script comes back unchanged.
int gainsay_stem(const char *folded, int n, char *out, int cap);

/// A key on which the spellings of one name meet, for a folded word in any script (one word: key a name of
/// several words word by word). Output is at most 4 × `n` bytes.
///
/// First Cyrillic is transliterated to Latin letter by letter:
///   а a  б b  в v  г g  д d  е e  ж zh  з z  и i  й y  к k  л l  м m  н n  о o  п p  р r  с s  т t  у u
///   ф f  х kh  ц ts  ч ch  ш sh  щ shch  ъ –  ы y  ь –  э e  ю yu  я ya  (ё is already е)
///   Ukrainian and Belarusian: і i  ї yi  є ye  ґ g  ў u;  and ß ss, æ ae, œ oe, þ th, ð d.
/// Then spellings are normalised, in this order, so the common transliterations of one name meet:
///   apostrophes dropped; tsch, tch → ch; kh → h; x → ks; w → v; ye, yo → e; j → i; y → i;
///   doubled letters (ii, ss, ...) collapsed.
/// So Кадыров, Kadyrov, Kadirov and Kadyrow all give "kadirov"; Песков, Peskov, Peskow "peskov"; Шойгу, Shoigu,
/// Shoygu "shoigu"; Зеленский, Zelensky, Zelenskyy, Zelenskiy "zelenski"; Навальный, Navalny "navalni";
/// Дмитрий, Dmitry, Dmitriy "dmitri"; Захарова, Zakharova "zaharova"; Грозный, Grozny "grozni"; Чечня, Chechnya
/// "chechnia"; Ельцин, Yeltsin "eltsin"; Фёдор, Fyodor "fedor"; Алексей, Aleksey, Alexei "aleksei".
///
/// Limits: keys are ASCII for words in Latin and Cyrillic script; letters of other scripts, and Latin letters
/// unicode61 leaves alone (ł, đ, ø), are kept as they are. Spellings that differ by more than these rules
/// (German Chruschtschow, French Choïgou, Polish Chodorkowski, dzh/j as in Dzhokhar/Jokhar, Ukrainian г as h)
/// do not meet; compare keys by edit distance for those. Distinct names may share a key (Yemen and Emen do): a key
/// finds candidates, it does not prove identity.
int gainsay_name_key(const char *folded, int n, char *out, int cap);

/// 1 when the folded word is a negation (не, ни, нет, никогда, not, no, never, nor, none, nobody, nothing,
/// neither), else 0. An English "n't" is the word "not" once split by the tokenizer or TextAnalysis.
int gainsay_is_negation(const char *folded, int n);

#endif
