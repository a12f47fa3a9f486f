namespace Parity.Llm;

/// <summary>What <c>models pull</c> was given: an Ollama model name, an http(s) URL of a GGUF file, or a CID.</summary>
public enum ModelReferenceKind { Ollama, Url, Cid }
