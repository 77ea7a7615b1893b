package jbert.tokenizer;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reading vocab.txt and tokenizer.json, writing an HF tokenizer folder. Every problem becomes a
 * {@link TokenizerException} whose one-line message names the file, and the line or JSON field.
 */
final class TokenizerFiles {

    private TokenizerFiles() {}

    static final String[] BERT_SPECIALS = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};

    // ---- vocab.txt ----------------------------------------------------------------------------

    /**
     * vocab.txt as transformers' BertTokenizer reads it: one token per line, id = line number - 1, lines
     * ended by \n, \r\n or \r; the token is the whole line (no trimming). Then BERT's pipeline, as
     * transformers' converter builds it: BertNormalizer(clean_text, handle_chinese_chars, strip_accents
     * following lowercase), BertPreTokenizer, WordPiece("[UNK]", "##", 100), [CLS]/[SEP] template, and the
     * five special tokens as non-normalized special added tokens.
     */
    static BertTokenizer readVocabTxt(Path file, boolean lowercase, boolean cleanUpTokenizationSpaces) {
        String text = readUtf8(file);
        List<String> tokens = new ArrayList<>();
        Map<String, Integer> ids = new HashMap<>();
        int line = 1;
        int start = 0;
        int n = text.length();
        while (start < n) {
            int end = start;
            while (end < n && text.charAt(end) != '\n' && text.charAt(end) != '\r') end++;
            String token = text.substring(start, end);
            if (token.isEmpty()) throw new TokenizerException(file + ":" + line + ": empty line (a vocabulary has one token per line)");
            Integer first = ids.putIfAbsent(token, tokens.size());
            if (first != null)
                throw new TokenizerException(file + ":" + line + ": duplicate token \"" + token + "\" (also on line " + (first + 1) + ")");
            tokens.add(token);
            if (end < n && text.charAt(end) == '\r' && end + 1 < n && text.charAt(end + 1) == '\n') end++;
            start = end + 1;
            line++;
        }
        if (tokens.isEmpty()) throw new TokenizerException(file + ": empty vocabulary");
        for (String special : new String[] {"[UNK]", "[CLS]", "[SEP]"})
            if (!ids.containsKey(special))
                throw new TokenizerException(file + ": the vocabulary has no " + special + " token (" + tokens.size() + " tokens read)");
        WordPiece model = new WordPiece(tokens.toArray(new String[0]), "[UNK]", "##", 100, ids);
        List<AddedTokens.Token> added = new ArrayList<>();
        for (String s : BERT_SPECIALS) {
            Integer id = ids.get(s);
            if (id != null) added.add(new AddedTokens.Token(id, s, false, false, false, false, true));
        }
        added.sort((x, y) -> Integer.compare(x.id(), y.id()));
        BertNormalizer normalizer = BertNormalizer.of(true, true, null, lowercase);
        PostProcessor post = PostProcessor.bert("[CLS]", ids.get("[CLS]"), "[SEP]", ids.get("[SEP]"), false);
        return new BertTokenizer(normalizer, true, model, added, post, new WordPieceDecoder("##", true),
                EncodeOptions.NONE, null, null, 0, cleanUpTokenizationSpaces);
    }

    private static byte[] readBytes(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new TokenizerException(file + ": no such file");
        } catch (IOException e) {
            throw new TokenizerException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    /** The file as UTF-8, strictly: a malformed byte is reported with its line. */
    private static String readUtf8(Path file) {
        byte[] bytes = readBytes(file);
        CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        try {
            var result = dec.decode(in, out, true);
            if (result.isError()) result.throwException();
            dec.flush(out);
        } catch (MalformedInputException e) {
            int at = in.position();
            int line = 1;
            for (int i = 0; i < at; i++) if (bytes[i] == '\n') line++;
            throw new TokenizerException(file + ":" + line + ": not valid UTF-8 (byte offset " + at + ")");
        } catch (CharacterCodingException e) {
            throw new TokenizerException(file + ": not valid UTF-8 (" + e.getMessage() + ")");
        }
        String s = out.flip().toString();
        return s.startsWith("\uFEFF") ? s.substring(1) : s; // a byte order mark is not part of the first token
    }

    /** What transformers reads from tokenizer_config.json beside the tokenizer files. */
    record Config(boolean lowercase, boolean cleanUpTokenizationSpaces) {
        static final Config BERT = new Config(true, true);
    }

    /** do_lower_case and clean_up_tokenization_spaces of the tokenizer_config.json in dir (both true without one). */
    static Config config(Path dir) {
        Path file = dir == null ? null : dir.resolve("tokenizer_config.json");
        if (file == null || !Files.exists(file)) return Config.BERT;
        JsonNode node = parseJson(file);
        return new Config(flag(node, "do_lower_case"), flag(node, "clean_up_tokenization_spaces"));
    }

    private static boolean flag(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() || v.asBoolean(true);
    }

    // ---- tokenizer.json -----------------------------------------------------------------------

    private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private static JsonNode parseJson(Path file) {
        String text = readUtf8(file);
        try {
            JsonNode node = JSON.readTree(text);
            if (node == null || !node.isObject()) throw new TokenizerException(file + ": not a JSON object");
            return node;
        } catch (JsonProcessingException e) {
            var loc = e.getLocation();
            String where = loc == null ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
            throw new TokenizerException(file + ": unreadable JSON" + where + ": " + e.getOriginalMessage().lines().findFirst().orElse(""));
        }
    }

    /** Reads tokenizer.json (HF tokenizers' serialization, format "1.0"). */
    static BertTokenizer readTokenizerJson(Path file, boolean cleanUpTokenizationSpaces) {
        JsonNode root = parseJson(file);
        Fields f = new Fields(file);

        JsonNode model = root.get("model");
        if (model == null || !model.isObject()) throw f.error("model", "missing (a tokenizer.json has a \"model\" object)");
        String type = modelType(model);
        if (!type.equals("WordPiece"))
            throw f.error("model.type", type + " model: jbert reads WordPiece (BERT) tokenizers only");
        String unk = f.string(model, "model.unk_token", "[UNK]");
        String prefix = f.string(model, "model.continuing_subword_prefix", "##");
        int maxChars = f.integer(model, "model.max_input_chars_per_word", 100);
        JsonNode vocabNode = model.get("vocab");
        if (vocabNode == null || !vocabNode.isObject()) throw f.error("model.vocab", "missing or not an object of token: id");
        if (vocabNode.isEmpty()) throw f.error("model.vocab", "empty vocabulary");
        Map<String, Integer> ids = new LinkedHashMap<>();
        int maxId = -1;
        for (Iterator<Map.Entry<String, JsonNode>> it = vocabNode.fields(); it.hasNext(); ) {
            var e = it.next();
            if (!e.getValue().canConvertToInt() || !e.getValue().isIntegralNumber() || e.getValue().asInt() < 0)
                throw f.error("model.vocab[\"" + e.getKey() + "\"]", "id must be a non-negative integer, got " + e.getValue());
            ids.put(e.getKey(), e.getValue().asInt());
            maxId = Math.max(maxId, e.getValue().asInt());
        }
        String[] vocab = new String[maxId + 1];
        for (var e : ids.entrySet()) {
            String other = vocab[e.getValue()];
            if (other != null)
                throw f.error("model.vocab", "tokens \"" + other + "\" and \"" + e.getKey() + "\" share id " + e.getValue());
            vocab[e.getValue()] = e.getKey();
        }
        if (!ids.containsKey(unk)) throw f.error("model.unk_token", "\"" + unk + "\" is not in the vocabulary");
        WordPiece wordPiece = new WordPiece(vocab, unk, prefix, maxChars, ids);

        BertNormalizer normalizer = null;
        JsonNode norm = root.get("normalizer");
        if (norm != null && !norm.isNull()) {
            String t = f.string(norm, "normalizer.type", null);
            if (!"BertNormalizer".equals(t)) throw f.error("normalizer.type", t + " is not supported (BertNormalizer or null)");
            JsonNode strip = norm.get("strip_accents");
            normalizer = BertNormalizer.of(f.bool(norm, "normalizer.clean_text", true),
                    f.bool(norm, "normalizer.handle_chinese_chars", true),
                    strip == null || strip.isNull() ? null : f.bool(norm, "normalizer.strip_accents", false),
                    f.bool(norm, "normalizer.lowercase", true));
        }

        boolean preTokenize = false;
        JsonNode pre = root.get("pre_tokenizer");
        if (pre != null && !pre.isNull()) {
            String t = f.string(pre, "pre_tokenizer.type", null);
            if (!"BertPreTokenizer".equals(t)) throw f.error("pre_tokenizer.type", t + " is not supported (BertPreTokenizer or null)");
            preTokenize = true;
        }

        // HF does not trust the ids written in "added_tokens": it adds the tokens again in file order, and a
        // token gets its vocabulary id, or the id of an earlier added token with the same content, or the
        // next free id after the vocabulary and the added tokens so far (added_vocabulary.rs add_tokens).
        List<AddedTokens.Token> added = new ArrayList<>();
        Map<String, Integer> addedIds = new HashMap<>();
        int nextId = vocab.length;
        JsonNode addedNode = root.get("added_tokens");
        if (addedNode != null && !addedNode.isNull()) {
            if (!addedNode.isArray()) throw f.error("added_tokens", "not an array");
            for (int i = 0; i < addedNode.size(); i++) {
                JsonNode a = addedNode.get(i);
                String where = "added_tokens[" + i + "]";
                if (f.integer(a, where + ".id", -1) < 0) throw f.error(where + ".id", "missing or negative");
                String content = f.string(a, where + ".content", null);
                if (content == null) throw f.error(where + ".content", "missing");
                if (content.isEmpty()) continue; // HF ignores empty added tokens
                Integer known = addedIds.containsKey(content) ? addedIds.get(content) : ids.get(content);
                int id = known != null ? known : nextId++;
                addedIds.put(content, id);
                added.add(new AddedTokens.Token(id, content, f.bool(a, where + ".single_word", false),
                        f.bool(a, where + ".lstrip", false), f.bool(a, where + ".rstrip", false),
                        f.bool(a, where + ".normalized", true), f.bool(a, where + ".special", false)));
            }
        }
        Map<String, Integer> allIds = new HashMap<>(ids);
        for (AddedTokens.Token t : added) allIds.put(t.content(), t.id());

        PostProcessor post = null;
        JsonNode pp = root.get("post_processor");
        if (pp != null && !pp.isNull()) post = readPostProcessor(pp, f, allIds);

        WordPieceDecoder decoder = null;
        JsonNode dec = root.get("decoder");
        if (dec != null && !dec.isNull()) {
            String t = f.string(dec, "decoder.type", null);
            if (!"WordPiece".equals(t)) throw f.error("decoder.type", t + " is not supported (WordPiece or null)");
            decoder = new WordPieceDecoder(f.string(dec, "decoder.prefix", "##"), f.bool(dec, "decoder.cleanup", true));
        }

        int maxLength = 0;
        boolean truncate = false;
        JsonNode trunc = root.get("truncation");
        if (trunc != null && !trunc.isNull()) {
            String strategy = f.string(trunc, "truncation.strategy", "LongestFirst");
            if (!strategy.equals("LongestFirst")) throw f.error("truncation.strategy", strategy + " is not supported (LongestFirst)");
            String direction = f.string(trunc, "truncation.direction", "Right");
            if (!direction.equals("Right")) throw f.error("truncation.direction", direction + " is not supported (Right)");
            maxLength = f.integer(trunc, "truncation.max_length", 512);
            truncate = true;
        }
        EncodeOptions.Padding padding = EncodeOptions.Padding.NONE;
        Integer padId = null;
        String padToken = null;
        int padTypeId = 0;
        JsonNode pad = root.get("padding");
        if (pad != null && !pad.isNull()) {
            String direction = f.string(pad, "padding.direction", "Right");
            if (!direction.equals("Right")) throw f.error("padding.direction", direction + " is not supported (Right)");
            JsonNode multiple = pad.get("pad_to_multiple_of");
            if (multiple != null && !multiple.isNull()) throw f.error("padding.pad_to_multiple_of", "is not supported (null)");
            JsonNode strategy = pad.get("strategy");
            if (strategy != null && strategy.isObject() && strategy.has("Fixed")) {
                int fixed = f.integer(strategy, "padding.strategy.Fixed", 0);
                if (truncate && fixed != maxLength)
                    throw f.error("padding.strategy.Fixed", fixed + " differs from truncation.max_length " + maxLength);
                maxLength = fixed;
                padding = EncodeOptions.Padding.MAX_LENGTH;
            } else if (strategy == null || "BatchLongest".equals(strategy.asText())) {
                padding = EncodeOptions.Padding.LONGEST;
            } else {
                throw f.error("padding.strategy", strategy + " is not supported (BatchLongest or {\"Fixed\": n})");
            }
            padId = f.integer(pad, "padding.pad_id", 0);
            padToken = f.string(pad, "padding.pad_token", "[PAD]");
            padTypeId = f.integer(pad, "padding.pad_type_id", 0);
        }
        EncodeOptions defaults = new EncodeOptions(maxLength, truncate, padding, true);
        try {
            return new BertTokenizer(normalizer, preTokenize, wordPiece, added, post, decoder, defaults, padId, padToken,
                    padTypeId, cleanUpTokenizationSpaces);
        } catch (IllegalArgumentException e) {
            throw new TokenizerException(file + ": " + e.getMessage(), e);
        }
    }

    /** The model's "type"; old files leave it out, and HF then tells the models apart by their fields. */
    private static String modelType(JsonNode model) {
        JsonNode t = model.get("type");
        if (t != null && t.isTextual()) return t.asText();
        if (model.has("merges")) return "BPE";
        if (model.has("vocab") && model.get("vocab").isArray()) return "Unigram";
        if (model.has("continuing_subword_prefix") || model.has("max_input_chars_per_word")) return "WordPiece";
        return "WordLevel";
    }

    private static PostProcessor readPostProcessor(JsonNode pp, Fields f, Map<String, Integer> ids) {
        String type = f.string(pp, "post_processor.type", null);
        if ("BertProcessing".equals(type)) {
            JsonNode sep = pp.get("sep"), cls = pp.get("cls");
            if (sep == null || !sep.isArray() || sep.size() != 2) throw f.error("post_processor.sep", "expected [\"[SEP]\", id]");
            if (cls == null || !cls.isArray() || cls.size() != 2) throw f.error("post_processor.cls", "expected [\"[CLS]\", id]");
            return PostProcessor.bert(cls.get(0).asText(), cls.get(1).asInt(), sep.get(0).asText(), sep.get(1).asInt(), true);
        }
        if (!"TemplateProcessing".equals(type))
            throw f.error("post_processor.type", type + " is not supported (TemplateProcessing, BertProcessing or null)");
        Map<String, PostProcessor.Piece> specials = new HashMap<>();
        JsonNode st = pp.get("special_tokens");
        if (st != null && st.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = st.fields(); it.hasNext(); ) {
                var e = it.next();
                JsonNode idsNode = e.getValue().get("ids"), toks = e.getValue().get("tokens");
                String where = "post_processor.special_tokens[\"" + e.getKey() + "\"]";
                if (idsNode == null || !idsNode.isArray() || toks == null || !toks.isArray() || idsNode.size() != toks.size())
                    throw f.error(where, "needs \"ids\" and \"tokens\" arrays of the same length");
                int[] pieceIds = new int[idsNode.size()];
                String[] pieceTokens = new String[toks.size()];
                for (int i = 0; i < pieceIds.length; i++) {
                    pieceIds[i] = idsNode.get(i).asInt();
                    pieceTokens[i] = toks.get(i).asText();
                }
                specials.put(e.getKey(), PostProcessor.Piece.special(e.getKey(), pieceIds, pieceTokens, 0));
            }
        }
        return new PostProcessor(template(pp, "single", f, specials), template(pp, "pair", f, specials), false);
    }

    private static List<PostProcessor.Piece> template(JsonNode pp, String name, Fields f, Map<String, PostProcessor.Piece> specials) {
        JsonNode arr = pp.get(name);
        String where = "post_processor." + name;
        if (arr == null || !arr.isArray()) throw f.error(where, "missing template");
        List<PostProcessor.Piece> pieces = new ArrayList<>();
        for (int i = 0; i < arr.size(); i++) {
            JsonNode p = arr.get(i);
            String at = where + "[" + i + "]";
            if (p.has("Sequence")) {
                JsonNode s = p.get("Sequence");
                String id = f.string(s, at + ".Sequence.id", "A");
                if (!id.equals("A") && !id.equals("B")) throw f.error(at + ".Sequence.id", "\"" + id + "\" (A or B)");
                pieces.add(PostProcessor.Piece.sequence(id.equals("A") ? 0 : 1, f.integer(s, at + ".Sequence.type_id", 0)));
            } else if (p.has("SpecialToken")) {
                JsonNode s = p.get("SpecialToken");
                String id = f.string(s, at + ".SpecialToken.id", null);
                PostProcessor.Piece sp = specials.get(id);
                if (sp == null) throw f.error(at + ".SpecialToken.id", "\"" + id + "\" is not in post_processor.special_tokens");
                pieces.add(PostProcessor.Piece.special(id, sp.ids(), sp.tokens(), f.integer(s, at + ".SpecialToken.type_id", 0)));
            } else {
                throw f.error(at, "expected {\"Sequence\": ...} or {\"SpecialToken\": ...}");
            }
        }
        return pieces;
    }

    /** Typed field access with errors that name the file and the field. */
    private record Fields(Path file) {
        TokenizerException error(String field, String what) {
            return new TokenizerException(file + ": " + field + ": " + what);
        }

        String string(JsonNode node, String field, String def) {
            JsonNode v = node.get(last(field));
            if (v == null || v.isNull()) return def;
            if (!v.isTextual()) throw error(field, "expected a string, got " + v);
            return v.asText();
        }

        int integer(JsonNode node, String field, int def) {
            JsonNode v = node.get(last(field));
            if (v == null || v.isNull()) return def;
            if (!v.isIntegralNumber() || !v.canConvertToInt()) throw error(field, "expected an integer, got " + v);
            return v.asInt();
        }

        boolean bool(JsonNode node, String field, boolean def) {
            JsonNode v = node.get(last(field));
            if (v == null || v.isNull()) return def;
            if (!v.isBoolean()) throw error(field, "expected true or false, got " + v);
            return v.asBoolean();
        }

        private static String last(String field) {
            return field.substring(field.lastIndexOf('.') + 1);
        }
    }

    // ---- saving -------------------------------------------------------------------------------

    static void save(BertTokenizer t, Path dir) {
        String[] vocab = t.model.vocab;
        StringBuilder vocabTxt = new StringBuilder(vocab.length * 8);
        for (int id = 0; id < vocab.length; id++) {
            if (vocab[id] == null) throw new TokenizerException(dir + ": cannot write vocab.txt: no token has id " + id);
            vocabTxt.append(vocab[id]).append('\n');
        }
        JsonNodeFactory nf = JsonNodeFactory.instance;
        ObjectNode root = nf.objectNode();
        root.put("version", "1.0");
        EncodeOptions d = t.defaults;
        if (d.truncate()) {
            ObjectNode tr = root.putObject("truncation");
            tr.put("direction", "Right");
            tr.put("max_length", d.maxLength());
            tr.put("strategy", "LongestFirst");
            tr.put("stride", 0);
        } else root.putNull("truncation");
        if (d.padding() != EncodeOptions.Padding.NONE) {
            ObjectNode pd = root.putObject("padding");
            if (d.padding() == EncodeOptions.Padding.MAX_LENGTH) pd.putObject("strategy").put("Fixed", d.maxLength());
            else pd.put("strategy", "BatchLongest");
            pd.put("direction", "Right");
            pd.putNull("pad_to_multiple_of");
            pd.put("pad_id", t.padId);
            pd.put("pad_type_id", t.padTypeId);
            pd.put("pad_token", t.padToken);
        } else root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        List<AddedTokens.Token> sorted = new ArrayList<>(t.added.tokens);
        sorted.sort((x, y) -> Integer.compare(x.id(), y.id()));
        for (AddedTokens.Token a : sorted) {
            ObjectNode o = added.addObject();
            o.put("id", a.id());
            o.put("content", a.content());
            o.put("single_word", a.singleWord());
            o.put("lstrip", a.lstrip());
            o.put("rstrip", a.rstrip());
            o.put("normalized", a.normalized());
            o.put("special", a.special());
        }
        if (t.normalizer != null) {
            ObjectNode n = root.putObject("normalizer");
            n.put("type", "BertNormalizer");
            n.put("clean_text", t.normalizer.cleanText);
            n.put("handle_chinese_chars", t.normalizer.handleChineseChars);
            if (t.normalizer.stripAccentsSetting == null) n.putNull("strip_accents");
            else n.put("strip_accents", t.normalizer.stripAccentsSetting);
            n.put("lowercase", t.normalizer.lowercase);
        } else root.putNull("normalizer");
        if (t.preTokenize) root.putObject("pre_tokenizer").put("type", "BertPreTokenizer");
        else root.putNull("pre_tokenizer");
        if (t.post != null) writePostProcessor(t.post, root.putObject("post_processor"));
        else root.putNull("post_processor");
        if (t.decoder != null) {
            ObjectNode dn = root.putObject("decoder");
            dn.put("type", "WordPiece");
            dn.put("prefix", t.decoder.prefix);
            dn.put("cleanup", t.decoder.cleanup);
        } else root.putNull("decoder");
        ObjectNode model = root.putObject("model");
        model.put("type", "WordPiece");
        model.put("unk_token", t.model.unkToken);
        model.put("continuing_subword_prefix", t.model.prefix);
        model.put("max_input_chars_per_word", t.model.maxInputCharsPerWord);
        ObjectNode v = model.putObject("vocab");
        for (int id = 0; id < vocab.length; id++) v.put(vocab[id], id);

        // tokenizer_config.json: what transformers' AutoTokenizer reads beside tokenizer.json.
        ObjectNode config = nf.objectNode();
        ObjectNode decoderMap = config.putObject("added_tokens_decoder");
        for (AddedTokens.Token a : sorted) {
            ObjectNode o = decoderMap.putObject(Integer.toString(a.id()));
            o.put("content", a.content());
            o.put("lstrip", a.lstrip());
            o.put("normalized", a.normalized());
            o.put("rstrip", a.rstrip());
            o.put("single_word", a.singleWord());
            o.put("special", a.special());
        }
        config.put("clean_up_tokenization_spaces", t.cleanUpTokenizationSpaces);
        boolean lower = t.normalizer != null && t.normalizer.lowercase;
        config.put("do_lower_case", lower);
        config.put("model_max_length", 512);
        if (t.normalizer != null && t.normalizer.stripAccentsSetting != null) config.put("strip_accents", t.normalizer.stripAccentsSetting);
        else config.putNull("strip_accents");
        config.put("tokenize_chinese_chars", t.normalizer == null || t.normalizer.handleChineseChars);
        config.put("tokenizer_class", "BertTokenizer");
        ObjectNode specialMap = nf.objectNode();
        String[][] names = {{"cls_token", "[CLS]"}, {"mask_token", "[MASK]"}, {"pad_token", "[PAD]"}, {"sep_token", "[SEP]"}, {"unk_token", t.model.unkToken}};
        for (String[] kv : names) {
            if (t.tokenId(kv[1]) < 0) continue;
            config.put(kv[0], kv[1]);
            specialMap.put(kv[0], kv[1]);
        }
        try {
            Files.createDirectories(dir);
            writeAtomically(dir.resolve("vocab.txt"), vocabTxt.toString());
            writeAtomically(dir.resolve("tokenizer.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root));
            writeAtomically(dir.resolve("tokenizer_config.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(config));
            writeAtomically(dir.resolve("special_tokens_map.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(specialMap));
        } catch (IOException e) {
            throw new TokenizerException(dir + ": cannot write the tokenizer (" + e.getMessage() + ")", e);
        }
    }

    private static void writePostProcessor(PostProcessor p, ObjectNode o) {
        if (p.bertProcessing) {
            PostProcessor.Piece cls = p.single.get(0), sep = p.single.get(2);
            o.put("type", "BertProcessing");
            o.putArray("sep").add(sep.tokens()[0]).add(sep.ids()[0]);
            o.putArray("cls").add(cls.tokens()[0]).add(cls.ids()[0]);
            return;
        }
        o.put("type", "TemplateProcessing");
        Map<String, PostProcessor.Piece> specials = new LinkedHashMap<>();
        for (String name : new String[] {"single", "pair"}) {
            ArrayNode arr = o.putArray(name);
            for (PostProcessor.Piece piece : name.equals("single") ? p.single : p.pair) {
                ObjectNode inner = arr.addObject().putObject(piece.isSequence() ? "Sequence" : "SpecialToken");
                inner.put("id", piece.name());
                inner.put("type_id", piece.typeId());
                if (!piece.isSequence()) specials.putIfAbsent(piece.name(), piece);
            }
        }
        ObjectNode st = o.putObject("special_tokens");
        for (PostProcessor.Piece piece : specials.values()) {
            ObjectNode s = st.putObject(piece.name());
            s.put("id", piece.name());
            ArrayNode idsArr = s.putArray("ids");
            for (int id : piece.ids()) idsArr.add(id);
            ArrayNode toks = s.putArray("tokens");
            for (String tok : piece.tokens()) toks.add(tok);
        }
    }

    private static void writeAtomically(Path target, String content) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        Files.writeString(tmp, content, StandardCharsets.UTF_8);
        try {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
