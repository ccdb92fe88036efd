package dev.berth.demo;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * JSON in and out, with the API's error messages for bad input: a body that is not JSON, not an object, or has a
 * field of the wrong type or range fails with a 400 naming the field, the value and what is expected.
 */
final class Json {
    /** The largest JSON body read (API bodies are a few dozen bytes; files go through the file routes). */
    static final int MAX_BODY = 64 * 1024;

    private static final ObjectMapper MAPPER = new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

    private Json() {
    }

    static byte[] bytes(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + value.getClass().getSimpleName() + " as JSON: " + e.getOriginalMessage(), e);
        }
    }

    static String text(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + value.getClass().getSimpleName() + " as JSON: " + e.getOriginalMessage(), e);
        }
    }

    static <T> T read(String json, Class<T> type) {
        try {
            return MAPPER.readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot read " + type.getSimpleName() + " from JSON: " + e.getOriginalMessage(), e);
        }
    }

    static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    /**
     * Reads a request body that must be a JSON object.
     *
     * @param body the body; at most {@link #MAX_BODY} bytes are read
     * @param what what the body describes, for the messages ("a transfer")
     * @param example a valid body, for the messages
     * @return the object
     * @throws ApiException 400 when the body is empty, too long, not JSON or not an object
     */
    static ObjectNode readObject(InputStream body, String what, String example) {
        byte[] bytes;
        try {
            bytes = body.readNBytes(MAX_BODY + 1);
        } catch (IOException e) {
            throw new UncheckedIOException("could not read the request body", e);
        }
        if (bytes.length > MAX_BODY) {
            throw new ApiException(413, "body_too_large", "the body of " + what + " is longer than " + MAX_BODY
                    + " bytes; send a JSON object such as " + example);
        }
        if (bytes.length == 0) {
            throw ApiException.badRequest("malformed_json", "the request has no body; send " + what + " as a JSON object such as " + example);
        }
        JsonNode node;
        try {
            node = MAPPER.readTree(bytes);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            throw ApiException.badRequest("malformed_json", "the body is not valid JSON" + where + " ("
                    + e.getOriginalMessage().lines().findFirst().orElse("") + "); send " + what + " as a JSON object such as " + example);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (node == null || !node.isObject()) {
            throw ApiException.badRequest("malformed_json", "the body must be a JSON object describing " + what + ", such as "
                    + example + ", but was " + (node == null ? "empty" : node.getNodeType().toString().toLowerCase(java.util.Locale.ROOT)));
        }
        return (ObjectNode) node;
    }

    /**
     * A whole-number field.
     *
     * @param required whether a missing field is an error ({@code fallback} is used otherwise)
     * @throws ApiException 400 naming the field and the bad value
     */
    static long wholeNumber(ObjectNode body, String field, boolean required, long fallback, String meaning) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            if (required) {
                throw ApiException.badRequest("missing_field", "\"" + field + "\" is missing; it is " + meaning);
            }
            return fallback;
        }
        if (!value.isIntegralNumber() || !value.canConvertToLong()) {
            throw ApiException.badRequest("invalid_field", "\"" + field + "\" is " + value + " but must be a whole number: " + meaning);
        }
        return value.longValue();
    }

    /** A text field; {@code null} when absent and not required. */
    static String text(ObjectNode body, String field, boolean required, String meaning) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            if (required) {
                throw ApiException.badRequest("missing_field", "\"" + field + "\" is missing; it is " + meaning);
            }
            return null;
        }
        if (!value.isTextual()) {
            throw ApiException.badRequest("invalid_field", "\"" + field + "\" is " + value + " but must be a string: " + meaning);
        }
        return value.textValue();
    }
}
