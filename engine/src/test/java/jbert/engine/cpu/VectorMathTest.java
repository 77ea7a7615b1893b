package jbert.engine.cpu;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link VectorMath#exp} against Math.exp, and its edge cases. */
class VectorMathTest {
    static float exp(float x) {
        return VectorMath.exp(FloatVector.broadcast(FloatVector.SPECIES_PREFERRED, x)).lane(0);
    }

    @Test
    void expIsWithinTwoUlpsOverTheNormalRange() {
        assertEquals(0f, exp(-87.34f), "below MIN_ARG: exactly 0");
        for (float x = -87f; x <= 88f; x += 0.0137f) {
            double expected = Math.exp(x);
            float got = exp(x);
            assertTrue(Math.abs(got - expected) <= 2 * Math.ulp((float) expected),
                    "exp(" + x + ") = " + got + ", expected " + expected);
        }
    }

    @Test
    void expEdgeCases() {
        assertEquals(1f, exp(0f));
        assertEquals(0f, exp(-1000f));
        assertEquals(0f, exp(-Float.MAX_VALUE));
        assertEquals(exp(88.3762626647949f), exp(1000f), "saturates above MAX_ARG (callers pass x <= 0)");
        assertEquals(0f, exp(Float.NEGATIVE_INFINITY));
        assertTrue(Float.isNaN(exp(Float.NaN)));
    }
}
