/**
 * BERT's WordPiece tokenizer, giving the same ids as Hugging Face {@code tokenizers} 0.23 (the fast
 * tokenizer behind transformers' AutoTokenizer). Imports nothing else of jbert.
 *
 * <p>Entry point: {@link jbert.tokenizer.BertTokenizer} ({@code load}, {@code encode},
 * {@code encodeBatch}, {@code decode}, {@code save}); results in {@link jbert.tokenizer.Encoding};
 * settings in {@link jbert.tokenizer.EncodeOptions}; file problems as
 * {@link jbert.tokenizer.TokenizerException} (one line naming the file).
 *
 * <p>Legend, and the stages in the order a text goes through them (each class names the HF file it matches):
 * <pre>
 *  text (String)                      the user's text; read by code point, never by Java char
 *   │ AddedTokens (raw pass)          [CLS] [SEP] [MASK] [PAD] [UNK] and other added tokens cut out as they are
 *   │ BertNormalizer                  clean, CJK spacing, strip accents (NFD, drop Mn), lowercase
 *   │ AddedTokens (normalized pass)   added tokens with normalized=true, matched in normalized form
 *   │ BertPreTokenizer                words: split on whitespace, each punctuation character alone
 *   │ WordPiece                       greedy longest-match-first pieces, "##" for continuations, else [UNK]
 *   │ truncation (longest_first)      BertTokenizer.encodeOne: the longer text loses tokens first
 *   │ PostProcessor                   [CLS] A [SEP] (B [SEP]), token type ids 0 / 1
 *   ▼ padding (right)                 [PAD] to the longest of the batch or to maxLength
 *  Encoding                           ids, typeIds, attentionMask, specialTokensMask, tokens: all [T]
 * </pre>
 * T is the number of tokens of one encoding (its padded length when padding is on); V the vocabulary
 * size ({@code vocabSize()}, 30,522 for bert-base-uncased). Characters are classified by
 * {@link jbert.tokenizer.CodePoints}, which records where HF's Unicode tables differ from Java's.
 */
package jbert.tokenizer;
