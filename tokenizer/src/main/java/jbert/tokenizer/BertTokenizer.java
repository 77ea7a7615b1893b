package jbert.tokenizer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * A BERT WordPiece tokenizer that gives the ids Hugging Face {@code tokenizers} gives (the fast
 * tokenizer behind {@code AutoTokenizer}), for any text.
 *
 * <pre>
 * BertTokenizer tok = BertTokenizer.load(Path.of("tokenizer.json"));   // or vocab.txt, or an HF folder
 * Encoding e = tok.encode("Hello, world!");                              // [CLS] hello , world ! [SEP]
 * List&lt;Encoding&gt; batch = tok.encodeBatch(texts, EncodeOptions.truncateTo(128).padding(Padding.LONGEST));
 * String text = tok.decode(e.ids());                                      // "hello, world!"
 * tok.save(Path.of("model-dir"));                                         // tokenizer.json, vocab.txt, tokenizer_config.json
 * </pre>
 *
 * The pipeline, per text (see package-info for the stages): added tokens are cut out of the raw text
 * ({@link AddedTokens}); each remaining piece is normalized ({@link BertNormalizer}), split into words
 * ({@link BertPreTokenizer}) and into pieces ({@link WordPiece}); then truncation, the template
 * ({@link PostProcessor}) and padding. Everything works on int code points, never on Java chars.
 *
 * <p>Immutable and thread-safe. {@link #encodeBatch} spreads the texts over the common fork-join pool.
 */
public final class BertTokenizer {

    /** Null when tokenizer.json has no normalizer. */
    final BertNormalizer normalizer;
    /** False when tokenizer.json has no pre_tokenizer: each normalized piece is then one word. */
    final boolean preTokenize;
    final WordPiece model;
    final AddedTokens added;
    /** Null when tokenizer.json has no post_processor: no special tokens are added. */
    final PostProcessor post;
    /** Null when tokenizer.json has no decoder: decode joins tokens with spaces. */
    final WordPieceDecoder decoder;
    /** What encode(text) does when no options are given: tokenizer.json's truncation and padding. */
    final EncodeOptions defaults;
    final int padId;
    final String padToken;
    final int padTypeId;
    /** transformers' clean_up_tokenization_spaces (tokenizer_config.json; true for BERT): decode's final cleanup. */
    final boolean cleanUpTokenizationSpaces;

    private final String[] idToToken;
    private final Map<String, Integer> tokenToId;
    private final boolean[] specialId;

    BertTokenizer(BertNormalizer normalizer, boolean preTokenize, WordPiece model, List<AddedTokens.Token> addedTokens,
                  PostProcessor post, WordPieceDecoder decoder, EncodeOptions defaults, Integer padId,
                  String padToken, int padTypeId, boolean cleanUpTokenizationSpaces) {
        this.normalizer = normalizer;
        this.preTokenize = preTokenize;
        this.model = model;
        this.added = new AddedTokens(addedTokens, normalizer);
        this.post = post;
        this.decoder = decoder;
        this.defaults = defaults;
        int size = model.vocab.length;
        for (AddedTokens.Token t : addedTokens) size = Math.max(size, t.id() + 1);
        idToToken = Arrays.copyOf(model.vocab, size);
        tokenToId = new HashMap<>(size * 2);
        for (int id = 0; id < model.vocab.length; id++) if (model.vocab[id] != null) tokenToId.put(model.vocab[id], id);
        specialId = new boolean[size];
        for (AddedTokens.Token t : addedTokens) { // HF: the added vocabulary takes precedence both ways
            // A normalized added token is kept in normalized form for id -> token (HF decodes "Été" as "ete").
            int[] normalized = t.normalized() && normalizer != null ? normalizer.normalize(t.content()) : null;
            idToToken[t.id()] = normalized != null ? new String(normalized, 0, normalized.length) : t.content();
            tokenToId.put(t.content(), t.id());
        }
        // HF skips a token in decode when its id -> token string is the content of a special added token.
        java.util.Set<String> specialContents = new java.util.HashSet<>();
        for (AddedTokens.Token t : addedTokens) if (t.special()) specialContents.add(t.content());
        for (int id = 0; id < size; id++) specialId[id] = idToToken[id] != null && specialContents.contains(idToToken[id]);
        this.padToken = padToken != null ? padToken : "[PAD]";
        this.padId = padId != null ? padId : tokenToId.getOrDefault(this.padToken, -1);
        this.padTypeId = padTypeId;
        this.cleanUpTokenizationSpaces = cleanUpTokenizationSpaces;
    }

    // ---- loading and saving -------------------------------------------------------------------

    /** Reads a vocab.txt (one token per line, id = line number - 1) with BERT's settings. */
    public static BertTokenizer fromVocab(Path vocabTxt, boolean lowercase) {
        return TokenizerFiles.readVocabTxt(vocabTxt, lowercase, true);
    }

    /** Reads an HF tokenizer.json of a WordPiece model; other models (BPE, Unigram) are refused. */
    public static BertTokenizer fromTokenizerJson(Path tokenizerJson) {
        return TokenizerFiles.readTokenizerJson(tokenizerJson, true);
    }

    /**
     * Reads by name: a {@code *.json} file as tokenizer.json, any other file as vocab.txt, a folder (an HF
     * model folder) by its tokenizer.json, else its vocab.txt. A tokenizer_config.json in the same folder
     * is read as transformers reads it: {@code do_lower_case} (for a vocab.txt) and
     * {@code clean_up_tokenization_spaces} (for decode); both are true without one.
     */
    public static BertTokenizer load(Path path) {
        if (Files.isDirectory(path)) {
            TokenizerFiles.Config config = TokenizerFiles.config(path);
            Path json = path.resolve("tokenizer.json");
            if (Files.exists(json)) return TokenizerFiles.readTokenizerJson(json, config.cleanUpTokenizationSpaces());
            Path vocab = path.resolve("vocab.txt");
            if (Files.exists(vocab))
                return TokenizerFiles.readVocabTxt(vocab, config.lowercase(), config.cleanUpTokenizationSpaces());
            throw new TokenizerException(path + ": folder has neither tokenizer.json nor vocab.txt");
        }
        TokenizerFiles.Config config = TokenizerFiles.config(path.toAbsolutePath().getParent());
        if (path.getFileName() != null && path.getFileName().toString().endsWith(".json"))
            return TokenizerFiles.readTokenizerJson(path, config.cleanUpTokenizationSpaces());
        return TokenizerFiles.readVocabTxt(path, config.lowercase(), config.cleanUpTokenizationSpaces());
    }

    /**
     * Writes tokenizer.json, vocab.txt, tokenizer_config.json and special_tokens_map.json into dir (created
     * if needed), as an HF model folder has them: AutoTokenizer.from_pretrained(dir) loads it. Each file
     * is written to a temporary name first and then renamed, so none is ever half written.
     */
    public void save(Path dir) {
        TokenizerFiles.save(this, dir);
    }

    // ---- vocabulary ---------------------------------------------------------------------------

    /** Number of ids: the largest id of the vocabulary or the added tokens, plus one. */
    public int vocabSize() {
        return idToToken.length;
    }

    /** The id of a token ("[CLS]", "##ing"), or -1 if it is not in the vocabulary. */
    public int tokenId(String token) {
        return tokenToId.getOrDefault(token, -1);
    }

    /** The token of an id, or null if no token has it. */
    public String token(int id) {
        return id >= 0 && id < idToToken.length ? idToToken[id] : null;
    }

    public int clsId() {
        return tokenId("[CLS]");
    }

    public int sepId() {
        return tokenId("[SEP]");
    }

    /** The padding id (tokenizer.json's padding.pad_id, else [PAD]'s id; -1 if there is none). */
    public int padId() {
        return padId;
    }

    public int maskId() {
        return tokenId("[MASK]");
    }

    public int unkId() {
        return model.unkId;
    }

    /** Whether the lowercasing normalizer is on (uncased model). */
    public boolean lowercase() {
        return normalizer != null && normalizer.lowercase;
    }

    // ---- encoding -----------------------------------------------------------------------------

    /** The WordPiece tokens of a text, without special tokens (HF's {@code tokenize}). */
    public List<String> tokens(String text) {
        Scratch s = scratch(text, null);
        return Arrays.asList(tokenStrings(tokenize(text, s), s));
    }

    /** Encodes one text with tokenizer.json's own truncation and padding (for bert-base: none). */
    public Encoding encode(String text) {
        return encode(text, null, defaults);
    }

    /** Encodes a text pair, [CLS] A [SEP] B [SEP], with tokenizer.json's own truncation and padding. */
    public Encoding encode(String text, String pair) {
        return encode(text, pair, defaults);
    }

    public Encoding encode(String text, EncodeOptions options) {
        return encode(text, null, options);
    }

    /** Encodes a text, or a pair when pair is not null. MAX_LENGTH padding applies; LONGEST is a no-op alone. */
    public Encoding encode(String text, String pair, EncodeOptions options) {
        Encoding e = encodeOne(text, pair, options, scratch(text, pair));
        return options.padding() == EncodeOptions.Padding.MAX_LENGTH ? pad(e, options.maxLength()) : e;
    }

    /** Encodes many texts on all cores with tokenizer.json's own truncation and padding (bert-base: none). */
    public List<Encoding> encodeBatch(List<String> texts) {
        return encodeBatch(texts, null, defaults);
    }

    /** Encodes many texts on all cores; padding (LONGEST or MAX_LENGTH) makes every row the same length. */
    public List<Encoding> encodeBatch(List<String> texts, EncodeOptions options) {
        return encodeBatch(texts, null, options);
    }

    /**
     * Encodes many texts, or pairs (texts.get(i), pairs.get(i)) when pairs is not null, on all cores
     * (chunks of texts over the common fork-join pool).
     */
    public List<Encoding> encodeBatch(List<String> texts, List<String> pairs, EncodeOptions options) {
        if (pairs != null && pairs.size() != texts.size())
            throw new IllegalArgumentException("encodeBatch: " + texts.size() + " texts but " + pairs.size() + " pairs");
        int n = texts.size();
        Encoding[] out = new Encoding[n];
        int chunk = 64;
        int chunks = (n + chunk - 1) / chunk;
        IntStream.range(0, chunks).parallel().forEach(c -> {
            for (int i = c * chunk, end = Math.min(n, i + chunk); i < end; i++) {
                String text = texts.get(i), pair = pairs == null ? null : pairs.get(i);
                out[i] = encodeOne(text, pair, options, scratch(text, pair));
            }
        });
        int target = switch (options.padding()) {
            case NONE -> 0;
            case MAX_LENGTH -> options.maxLength();
            case LONGEST -> Arrays.stream(out).mapToInt(Encoding::length).max().orElse(0);
        };
        if (target > 0) for (int i = 0; i < n; i++) out[i] = pad(out[i], target);
        return Arrays.asList(out);
    }

    private Encoding pad(Encoding e, int length) {
        if (e.length() >= length) return e;
        if (padId < 0) throw new IllegalStateException("padding asked for, but the vocabulary has no " + padToken + " token");
        return e.padTo(length, padId, padToken, padTypeId);
    }

    /** Work buffers of the calling thread, reused from text to text. */
    private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(() -> new Scratch(this));

    /** The thread's buffers, or fresh ones for a huge text, so that no thread keeps megabytes alive. */
    private Scratch scratch(String text, String pair) {
        return text.length() + (pair == null ? 0 : pair.length()) > 1 << 16 ? new Scratch(this) : scratch.get();
    }

    /** Work buffers, used by one thread at a time: code points, normalized pieces, ids. */
    static final class Scratch {
        final IntList raw = new IntList(256);     // the text's code points
        final IntList norm = new IntList(256);    // one normalized piece
        final IntList pieces = new IntList(32);   // (id or -1, start, end) triples from added tokens, raw pass
        final IntList pieces2 = new IntList(32);  // the same, normalized pass
        final IntList ids = new IntList(128);
        /** Added tokens found in the text: their index in ids and the text they matched (HF's token string). */
        final IntList matchAt = new IntList(8);
        final List<String> matchText = new ArrayList<>();
        /** Truncation's early stop (see encodeOne): after a word brings ids to limit, nothing more is taken. */
        int limit = Integer.MAX_VALUE;
        boolean stopped;
        final BertPreTokenizer.WordSink sink;

        Scratch(BertTokenizer t) {
            sink = (cps, from, to) -> word(t.model, cps, from, to);
        }

        void word(WordPiece model, int[] cps, int from, int to) {
            if (stopped) return;
            model.tokenize(cps, from, to, ids);
            stopped = ids.size >= limit;
        }
    }

    /** Text to model ids, without special tokens: added tokens, normalizer, pre-tokenizer, WordPiece. */
    int[] tokenize(String text, Scratch s) {
        IntList raw = s.raw;
        raw.clear();
        int len = text.length();
        int[] cps = raw.reserve(len);
        int n = 0;
        for (int i = 0; i < len; ) {
            char c = text.charAt(i);
            if (c < 0xD800 || c > 0xDFFF) {
                cps[n++] = c;
                i++;
            } else {
                int cp = text.codePointAt(i);
                // A lone surrogate is not a Unicode scalar value; HF's bindings receive it as U+FFFD.
                cps[n++] = cp <= 0xFFFF ? 0xFFFD : cp;
                i += Character.charCount(cp);
            }
        }
        raw.size = n;
        s.ids.clear();
        s.matchAt.clear();
        s.matchText.clear();
        s.stopped = false;
        if (added.hasRaw()) {
            s.pieces.clear();
            added.split(cps, 0, n, false, s.pieces);
            for (int p = 0; p < s.pieces.size; p += 3) {
                int id = s.pieces.data[p];
                if (id >= 0) addMatch(id, cps, s.pieces.data[p + 1], s.pieces.data[p + 2], s);
                else normalizeAndSplit(cps, s.pieces.data[p + 1], s.pieces.data[p + 2], s);
            }
        } else {
            normalizeAndSplit(cps, 0, n, s);
        }
        return s.ids.toArray();
    }

    private void normalizeAndSplit(int[] cps, int from, int to, Scratch s) {
        IntList norm = s.norm;
        norm.clear();
        if (normalizer != null) normalizer.normalize(cps, from, to, norm);
        else {
            System.arraycopy(cps, from, norm.reserve(to - from), 0, to - from);
            norm.size = to - from;
        }
        if (added.hasNormalized()) {
            s.pieces2.clear();
            added.split(norm.data, 0, norm.size, true, s.pieces2);
            for (int p = 0; p < s.pieces2.size; p += 3) {
                int id = s.pieces2.data[p];
                if (id >= 0) addMatch(id, norm.data, s.pieces2.data[p + 1], s.pieces2.data[p + 2], s);
                else words(norm.data, s.pieces2.data[p + 1], s.pieces2.data[p + 2], s);
            }
        } else {
            words(norm.data, 0, norm.size, s);
        }
    }

    private static void addMatch(int id, int[] cps, int from, int to, Scratch s) {
        if (s.stopped) return;
        s.matchAt.add(s.ids.size);
        s.matchText.add(new String(cps, from, to - from));
        s.ids.add(id);
    }

    /** The token strings of the ids tokenize() just produced: vocabulary entries, or the matched text. */
    private String[] tokenStrings(int[] ids, Scratch s) {
        String[] out = new String[ids.length];
        for (int i = 0; i < ids.length; i++) out[i] = idToToken[ids[i]];
        for (int m = 0; m < s.matchAt.size; m++) out[s.matchAt.data[m]] = s.matchText.get(m);
        return out;
    }

    private void words(int[] cps, int from, int to, Scratch s) {
        if (preTokenize) BertPreTokenizer.split(cps, from, to, s.sink);
        else if (from < to) s.word(model, cps, from, to);
    }

    private Encoding encodeOne(String text, String pair, EncodeOptions o, Scratch s) {
        // With truncation on, HF 0.23 stops tokenizing a sequence after the word that brings it to
        // maxLength ids or more (template specials not counted; added tokens found in the text count but
        // never stop it); longest_first then compares these lengths, not the full ones. So a 56-id text
        // whose third word has 49 pieces counts as 51 against a 4-id text at maxLength 4, and wins the
        // odd token of the split.
        s.limit = o.truncate() ? o.maxLength() : Integer.MAX_VALUE;
        int[] a = tokenize(text, s);
        String[] ta = s.matchAt.size == 0 ? null : tokenStrings(a, s);
        int[] b = pair == null ? null : tokenize(pair, s);
        String[] tb = b == null || s.matchAt.size == 0 ? null : tokenStrings(b, s);
        if (o.truncate()) {
            int special = o.addSpecialTokens() && post != null ? post.addedTokens(b != null) : 0;
            int max = o.maxLength() - special;
            if (max < 0)
                throw new IllegalArgumentException("maxLength " + o.maxLength() + " leaves no room for the "
                        + special + " special tokens");
            if (b == null) {
                if (a.length > max) a = Arrays.copyOf(a, max);
            } else if (a.length + b.length > max) {
                // HF utils/truncation.rs, longest_first: with n1 the shorter length, keep n1 and give the
                // longer max - n1; when that is still too long (both exceed max / 2), split max in two
                // halves, the longer text getting the odd one.
                int n1 = a.length, n2 = b.length;
                boolean swap = n1 > n2;
                if (swap) { int t = n1; n1 = n2; n2 = t; }
                n2 = n1 > max ? n1 : Math.max(n1, max - n1);
                if (n1 + n2 > max) {
                    n1 = max / 2;
                    n2 = n1 + max % 2;
                }
                if (swap) { int t = n1; n1 = n2; n2 = t; }
                a = Arrays.copyOf(a, Math.min(a.length, n1));
                b = Arrays.copyOf(b, Math.min(b.length, n2));
            }
        }
        return assemble(a, ta, b, tb, o.addSpecialTokens());
    }

    /** The post-processor's template around the sequences (HF TemplateProcessing.apply_template). */
    private Encoding assemble(int[] a, String[] ta, int[] b, String[] tb, boolean addSpecial) {
        List<PostProcessor.Piece> template = post == null ? null : (b == null ? post.single : post.pair);
        int total = 0;
        if (template == null) total = a.length + (b == null ? 0 : b.length);
        else for (PostProcessor.Piece p : template) {
            if (p.isSequence()) total += p.sequence() == 0 ? a.length : (b == null ? 0 : b.length);
            else if (addSpecial) total += p.ids().length;
        }
        int[] ids = new int[total], types = new int[total], mask = new int[total], special = new int[total];
        String[] tokens = new String[total];
        Arrays.fill(mask, 1);
        int k = 0;
        if (template == null) { // no post-processor: A then B, B with type id 1 as HF's encode gives it
            for (int j = 0; j < a.length; j++) { ids[k] = a[j]; tokens[k++] = ta != null ? ta[j] : idToToken[a[j]]; }
            if (b != null)
                for (int j = 0; j < b.length; j++) { ids[k] = b[j]; types[k] = 1; tokens[k++] = tb != null ? tb[j] : idToToken[b[j]]; }
        } else {
            for (PostProcessor.Piece p : template) {
                if (p.isSequence()) {
                    int[] seq = p.sequence() == 0 ? a : b;
                    String[] seqTokens = p.sequence() == 0 ? ta : tb;
                    if (seq == null) continue;
                    for (int j = 0; j < seq.length; j++) {
                        ids[k] = seq[j];
                        types[k] = p.typeId();
                        tokens[k++] = seqTokens != null ? seqTokens[j] : idToToken[seq[j]];
                    }
                } else if (addSpecial) {
                    for (int j = 0; j < p.ids().length; j++) {
                        ids[k] = p.ids()[j];
                        types[k] = p.typeId();
                        special[k] = 1;
                        tokens[k++] = p.tokens()[j];
                    }
                }
            }
        }
        return new Encoding(ids, types, mask, special, tokens);
    }

    // ---- decoding -----------------------------------------------------------------------------

    /**
     * Ids back to text as transformers' {@code tokenizer.decode(ids, skip_special_tokens=True)} gives it:
     * special tokens skipped, "##" pieces glued, spaces before punctuation and in contractions cleaned up.
     */
    public String decode(int[] ids) {
        return decode(ids, true, cleanUpTokenizationSpaces);
    }

    /** As {@link #decode(int[])}, keeping the special tokens when skipSpecialTokens is false. */
    public String decode(int[] ids, boolean skipSpecialTokens) {
        return decode(ids, skipSpecialTokens, cleanUpTokenizationSpaces);
    }

    /**
     * Ids back to text in two stages, as transformers does it:
     * <ol>
     *   <li>HF tokenizers' decode: ids without a token are left out, special added tokens too when asked;
     *       then the decoder (WordPiece: "##" pieces glued to the previous token, others after a space, and
     *       tokenizers' own cleanup applied to each token on its own), or plain space joining without one;
     *   <li>with cleanUpTokenizationSpaces, transformers' {@code clean_up_tokenization} on the whole text:
     *       " ." " ?" " !" " ," lose their space, " ' " becomes "'", " n't" " 'm" " 's" " 've" " 're" are
     *       glued. It catches what stage 1 cannot see across tokens, e.g. "don ' t" -> "don't".
     * </ol>
     * With cleanUpTokenizationSpaces false the result is exactly HF tokenizers' {@code decode}.
     */
    public String decode(int[] ids, boolean skipSpecialTokens, boolean cleanUpTokenizationSpaces) {
        List<String> tokens = new ArrayList<>(ids.length);
        for (int id : ids) {
            String t = token(id);
            if (t == null || (skipSpecialTokens && specialId[id])) continue;
            tokens.add(t);
        }
        String text = decoder != null ? decoder.decode(tokens) : String.join(" ", tokens);
        if (!cleanUpTokenizationSpaces) return text;
        return text.replace(" .", ".").replace(" ?", "?").replace(" !", "!").replace(" ,", ",")
                .replace(" ' ", "'").replace(" n't", "n't").replace(" 'm", "'m").replace(" 's", "'s")
                .replace(" 've", "'ve").replace(" 're", "'re");
    }

}
