package jbert.engine.io;

/**
 * The element types of the safetensors format (huggingface/safetensors, {@code Dtype}) with their sizes
 * in bytes. Any other name in a header is an unknown dtype and the file is rejected.
 */
public enum SafetensorsDtype {
    BOOL(1), U8(1), I8(1), F8_E5M2(1), F8_E4M3(1),
    I16(2), U16(2), F16(2), BF16(2),
    I32(4), U32(4), F32(4),
    I64(8), U64(8), F64(8);

    public final int bytes;

    SafetensorsDtype(int bytes) { this.bytes = bytes; }

    /** The dtype of a header name, or null when the name is not a safetensors dtype. */
    public static SafetensorsDtype parse(String name) {
        for (SafetensorsDtype d : values()) if (d.name().equals(name)) return d;
        return null;
    }

    /** Whether {@link TensorSource#read} can widen this type to float32 (F32, F16, BF16; F64 narrows). */
    public boolean isFloat() { return this == F32 || this == F16 || this == BF16 || this == F64; }

    public boolean isInteger() { return this != BOOL && !isFloat() && this != F8_E5M2 && this != F8_E4M3; }
}
