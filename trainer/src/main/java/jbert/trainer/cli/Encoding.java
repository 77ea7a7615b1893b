package jbert.trainer.cli;

import jbert.tokenizer.BertTokenizer;
import jbert.tokenizer.EncodeOptions;
import jbert.trainer.data.Encoded;
import jbert.trainer.data.Example;

import java.util.ArrayList;
import java.util.List;

/** Examples to ids: [CLS] text [SEP], truncated to the max length, not padded (batches pad themselves). */
final class Encoding {
    private Encoding() {}

    static List<Encoded> encode(BertTokenizer tokenizer, List<Example> examples, int maxLength) {
        List<String> texts = new ArrayList<>(examples.size());
        for (Example e : examples) texts.add(e.text());
        List<jbert.tokenizer.Encoding> enc = tokenizer.encodeBatch(texts, EncodeOptions.truncateTo(maxLength));
        List<Encoded> out = new ArrayList<>(examples.size());
        for (int i = 0; i < examples.size(); i++) out.add(new Encoded(enc.get(i).ids(), examples.get(i).label()));
        return out;
    }
}
