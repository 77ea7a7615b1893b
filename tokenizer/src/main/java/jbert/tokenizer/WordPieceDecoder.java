package jbert.tokenizer;

import java.util.List;

/**
 * HF's WordPiece decoder (tokenizers decoders/wordpiece.rs): a token that starts with the prefix ("##")
 * is glued to the previous one without it, any other token after the first gets a leading space; with
 * cleanup on, each token then goes through HF's {@code cleanup}: " ." → ".", " ?" → "?", " !" → "!",
 * " ," → ",", " ' " → "'", " n't" → "n't", " 'm" → "'m", " do not" → " don't", " 's" → "'s",
 * " 've" → "'ve", " 're" → "'re". The cleanup is applied to each token (with its leading space) on its
 * own, as HF does, not to the joined text.
 */
final class WordPieceDecoder {
    final String prefix;
    final boolean cleanup;

    WordPieceDecoder(String prefix, boolean cleanup) {
        this.prefix = prefix;
        this.cleanup = cleanup;
    }

    String decode(List<String> tokens) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < tokens.size(); i++) {
            String t = tokens.get(i);
            if (i != 0) t = t.startsWith(prefix) ? t.substring(prefix.length()) : " " + t;
            out.append(cleanup ? cleanup(t) : t);
        }
        return out.toString();
    }

    static String cleanup(String s) {
        return s.replace(" .", ".").replace(" ?", "?").replace(" !", "!").replace(" ,", ",")
                .replace(" ' ", "'").replace(" n't", "n't").replace(" 'm", "'m").replace(" do not", " don't")
                .replace(" 's", "'s").replace(" 've", "'ve").replace(" 're", "'re");
    }
}
