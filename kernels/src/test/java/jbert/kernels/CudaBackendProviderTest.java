package jbert.kernels;

import jbert.engine.BackendProvider;
import jbert.engine.BackendOptions;
import jbert.engine.Backends;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.*;

/** The provider behaves on every machine: found by ServiceLoader, and silent with a reason when there is no GPU. */
class CudaBackendProviderTest {

    @Test void serviceLoaderFindsTheProviderByName() {
        boolean found = false;
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) found |= p instanceof CudaBackendProvider && p.name().equals("cuda");
        assertTrue(found, "META-INF/services registers jbert.kernels.CudaBackendProvider");
    }

    @Test void availabilityIsAnsweredWithoutThrowingOrPrinting() {
        PrintStream out = System.out, err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        boolean available;
        String reason;
        try (PrintStream sink = new PrintStream(captured, true)) {
            System.setOut(sink);
            System.setErr(sink);
            CudaBackendProvider p = new CudaBackendProvider();
            available = p.available();
            reason = p.unavailableReason();
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        assertEquals("", captured.toString(), "the probe prints nothing");
        if (available) {
            assertNull(reason);
        } else {
            assertNotNull(reason);
            assertFalse(reason.isBlank());
            assertFalse(reason.contains("\n"), "one line: " + reason);
            System.out.println("cuda unavailable here: " + reason);
        }
    }

    @Test void askingForCudaWithoutAGpuIsAOneLineErrorAndAutoPicksTheCpu() {
        CudaBackendProvider p = new CudaBackendProvider();
        if (p.available()) {
            assertEquals("cuda", Backends.select(BackendOptions.cuda(), null).name());
            return;
        }
        Backends.UnavailableException e = assertThrows(Backends.UnavailableException.class, () -> Backends.select(BackendOptions.cuda(), null));
        assertTrue(e.getMessage().startsWith("cuda: "), e.getMessage());
        assertTrue(e.getMessage().contains(p.unavailableReason()), e.getMessage());
        StringBuilder notice = new StringBuilder();
        assertEquals("cpu", Backends.select(BackendOptions.defaults(), notice::append).name());
        assertTrue(notice.toString().contains("device: cpu"), notice.toString());
        assertThrows(IllegalStateException.class, () -> p.create(BackendOptions.cuda()));
    }
}
