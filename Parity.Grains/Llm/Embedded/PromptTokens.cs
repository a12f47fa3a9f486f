using System.Text;
using LLama;
using LLama.Exceptions;
using LLama.Native;

namespace Parity.Llm.Embedded;

/// <summary>A request's prompt as tokens: messages through the model's own chat template, a plain prompt as text.</summary>
internal static class PromptTokens
{
    public static string ApplyTemplate(string name, LLamaWeights weights, IReadOnlyList<LlmMessage> messages)
    {
        LLamaTemplate template;
        try
        {
            template = new LLamaTemplate(weights, strict: true) { AddAssistant = true };
        }
        catch (TemplateNotFoundException)
        {
            throw new LlmException(
                $"model '{name}' has no chat template (tokenizer.chat_template in its GGUF file); send a plain prompt instead of messages");
        }
        foreach (var message in messages) template.Add(message.Role, message.Content);
        try
        {
            return Encoding.UTF8.GetString(template.Apply());
        }
        catch (Exception e)
        {
            throw new LlmException($"llama.cpp cannot apply the chat template of model '{name}': {e.Message}", e);
        }
    }

    // Templated prompts are tokenized with special tokens parsed (<|im_start|> is one control token); plain prompts
    // are text only, so a user cannot smuggle control tokens in.
    public static LLamaToken[] Tokenize(LLamaWeights weights, string text, bool special)
    {
        var tokens = weights.Tokenize(text, weights.Vocab.ShouldAddBOS, special, Encoding.UTF8);
        // Templates that spell out BOS themselves would otherwise get it twice.
        if (special && tokens.Length > 1 && weights.Vocab.BOS is { } bos && tokens[0] == bos && tokens[1] == bos)
            tokens = tokens[1..];
        return tokens;
    }
}
