package jbert.tokenizer;

import java.util.List;

/**
 * HF {@code TemplateProcessing} (tokenizers processors/template.rs), which also covers
 * {@code BertProcessing}: the single template ("[CLS] $A [SEP]") and the pair template
 * ("[CLS] $A [SEP] $B:1 [SEP]:1") say where the special tokens go and which token type id each
 * piece gets.
 */
final class PostProcessor {

    /** One piece of a template: a special token (ids and tokens), or sequence A (0) or B (1). */
    record Piece(int sequence, int[] ids, String[] tokens, String name, int typeId) {
        static Piece special(String name, int[] ids, String[] tokens, int typeId) {
            return new Piece(-1, ids, tokens, name, typeId);
        }

        static Piece sequence(int which, int typeId) {
            return new Piece(which, null, null, which == 0 ? "A" : "B", typeId);
        }

        boolean isSequence() {
            return sequence >= 0;
        }
    }

    final List<Piece> single;
    final List<Piece> pair;
    /** True when read from a "BertProcessing" entry, so that save() writes the same kind back. */
    final boolean bertProcessing;

    PostProcessor(List<Piece> single, List<Piece> pair, boolean bertProcessing) {
        this.single = List.copyOf(single);
        this.pair = List.copyOf(pair);
        this.bertProcessing = bertProcessing;
    }

    /** BERT's own: [CLS] A [SEP] and [CLS] A [SEP] B [SEP], B and its [SEP] with type id 1. */
    static PostProcessor bert(String cls, int clsId, String sep, int sepId, boolean bertProcessing) {
        Piece c = Piece.special(cls, new int[] {clsId}, new String[] {cls}, 0);
        Piece s0 = Piece.special(sep, new int[] {sepId}, new String[] {sep}, 0);
        Piece s1 = Piece.special(sep, new int[] {sepId}, new String[] {sep}, 1);
        return new PostProcessor(List.of(c, Piece.sequence(0, 0), s0),
                List.of(c, Piece.sequence(0, 0), s0, Piece.sequence(1, 1), s1), bertProcessing);
    }

    /** How many special tokens the template adds (HF's added_tokens(is_pair)), subtracted before truncation. */
    int addedTokens(boolean isPair) {
        int n = 0;
        for (Piece p : isPair ? pair : single) if (!p.isSequence()) n += p.ids.length;
        return n;
    }
}
