package jbert.trainer.data;

import com.sun.net.httpserver.HttpServer;
import jbert.trainer.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Where the data comes from: --data, $JBERT_DATA, the cache, a download (from a local server here). */
class DataFilesTest {
    @TempDir Path tmp;

    @Test
    void explicitFolderWithTwitterFilesHasKnownLabels() throws IOException {
        Path d = Files.createDirectories(tmp.resolve("tw"));
        Files.writeString(d.resolve("sent_train.csv"), "text,label\na,0\n");
        Files.writeString(d.resolve("sent_valid.csv"), "text,label\nb,1\n");
        DataFiles f = DataFiles.resolve(d, null, null, Map.of(), null);
        assertEquals(d.resolve("sent_train.csv"), f.train());
        assertEquals(LabelSet.TWITTER_FINANCIAL_NEWS, f.knownLabels());
    }

    @Test
    void genericFolderFindsTrainAndValidationFiles() throws IOException {
        Path d = Files.createDirectories(tmp.resolve("g"));
        Files.writeString(d.resolve("train.jsonl"), "{\"text\":\"a\",\"label\":\"x\"}\n");
        Files.writeString(d.resolve("validation.csv"), "text,label\nb,x\n");
        DataFiles f = DataFiles.resolve(d, null, null, Map.of(), null);
        assertEquals(d.resolve("train.jsonl"), f.train());
        assertEquals(d.resolve("validation.csv"), f.eval());
        assertEquals(null, f.knownLabels());
        UserError e = assertThrows(UserError.class, () -> DataFiles.resolve(tmp, null, null, Map.of(), null));
        assertTrue(e.getMessage().contains("holds neither"), e.getMessage());
        UserError missing = assertThrows(UserError.class, () -> DataFiles.resolve(tmp.resolve("nope"), null, null, Map.of(), null));
        assertEquals("--data " + tmp.resolve("nope") + ": no such folder", missing.getMessage());
    }

    @Test
    void downloadsOnceIntoTheCacheThenReadsTheCache() throws IOException {
        AtomicInteger requests = new AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> {
            requests.incrementAndGet();
            String name = ex.getRequestURI().getPath().substring(ex.getRequestURI().getPath().lastIndexOf('/') + 1);
            byte[] body = ("text,label\n\"" + name + " row\",2\n").getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
        try {
            Map<String, String> env = Map.of("JBERT_HOME", tmp.resolve("home").toString(),
                    "JBERT_HUB_URL", "http://127.0.0.1:" + server.getAddress().getPort() + "/resolve/main/<file>");
            StringBuilder notices = new StringBuilder();
            DataFiles f = DataFiles.resolve(null, null, null, env, notices::append);
            Path cache = tmp.resolve("home/datasets/twitter-financial-news-sentiment");
            assertEquals(cache.resolve("sent_valid.csv"), f.eval());
            assertEquals("text,label\n\"sent_valid.csv row\",2\n", Files.readString(f.eval()));
            assertTrue(notices.toString().contains("downloading http://127.0.0.1:"), notices.toString());
            assertEquals(2, requests.get());
            DataFiles again = DataFiles.resolve(null, null, null, env, notices::append);
            assertEquals(f, again);
            assertEquals(2, requests.get(), "the second run reads the cache");
            try (var s = Files.list(cache)) { assertEquals(List.of("sent_train.csv", "sent_valid.csv"), s.map(p -> p.getFileName().toString()).sorted().toList()); }
        } finally {
            server.stop(0);
        }
    }

    @Test
    void offlineErrorSaysHowToPassData() {
        // Port 1 on the loopback: nothing listens, the connection is refused at once.
        Map<String, String> env = Map.of("JBERT_HOME", tmp.resolve("home2").toString(), "JBERT_HUB_URL", "http://127.0.0.1:1/<file>");
        UserError e = assertThrows(UserError.class, () -> DataFiles.resolve(null, null, null, env, null));
        assertTrue(e.getMessage().startsWith("cannot download the Twitter Financial News dataset"), e.getMessage());
        assertTrue(e.getMessage().contains("--data DIR") && e.getMessage().contains("JBERT_DATA"), e.getMessage());
        assertTrue(Files.notExists(tmp.resolve("home2/datasets/twitter-financial-news-sentiment/sent_train.csv")), "no partial cache");
    }

    @Test
    void jbertDataEnvironmentVariable() throws IOException {
        Path d = Files.createDirectories(tmp.resolve("env"));
        Files.writeString(d.resolve("sent_train.csv"), "text,label\na,0\n");
        Files.writeString(d.resolve("sent_valid.csv"), "text,label\nb,1\n");
        assertEquals(d.resolve("sent_train.csv"), DataFiles.resolve(null, null, null, Map.of("JBERT_DATA", d.toString()), null).train());
        UserError e = assertThrows(UserError.class, () -> DataFiles.resolve(null, null, null, Map.of("JBERT_DATA", tmp.toString()), null));
        assertTrue(e.getMessage().startsWith("JBERT_DATA=" + tmp), e.getMessage());
    }
}
