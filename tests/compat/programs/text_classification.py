"""The torchtext text-classification tutorial's model: EmbeddingBag (mean) + Linear, trained
with SGD, StepLR and gradient clipping on deterministic token bags."""
import torch
from torch import nn

torch.manual_seed(0)
vocab_size, embed_dim, num_class = 20, 6, 3


class TextClassificationModel(nn.Module):
    def __init__(self, vocab_size, embed_dim, num_class):
        super(TextClassificationModel, self).__init__()
        self.embedding = nn.EmbeddingBag(vocab_size, embed_dim, sparse=False)
        self.fc = nn.Linear(embed_dim, num_class)
        self.init_weights()

    def init_weights(self):
        initrange = 0.5
        with torch.no_grad():
            w = torch.sin(torch.arange(vocab_size * embed_dim) * 0.37)
            self.embedding.weight.copy_(w.reshape(vocab_size, embed_dim) * initrange)
            f = torch.cos(torch.arange(num_class * embed_dim) * 0.53)
            self.fc.weight.copy_(f.reshape(num_class, embed_dim) * initrange)
        self.fc.bias.data.zero_()

    def forward(self, text, offsets):
        embedded = self.embedding(text, offsets)
        return self.fc(embedded)


def batch(start, size):
    """Bags of tokens: class c uses tokens from its own third of the vocabulary."""
    labels, texts, offsets = [], [], [0]
    for k in range(start, start + size):
        c = k % num_class
        length = 3 + k % 4
        tokens = [(c * 6 + (k * 7 + j * 3) % 6) for j in range(length)] + [18 + k % 2]
        labels.append(c)
        texts.extend(tokens)
        offsets.append(offsets[-1] + len(tokens))
    return (torch.tensor(labels), torch.tensor(texts), torch.tensor(offsets[:-1]))


model = TextClassificationModel(vocab_size, embed_dim, num_class)
print(model)
criterion = torch.nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=5)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, 1.0, gamma=0.1)
for epoch in range(1, 4):
    model.train()
    total_acc, total_count = 0, 0
    for idx in range(6):
        label, text, offsets = batch(idx * 8, 8)
        optimizer.zero_grad()
        predicted_label = model(text, offsets)
        loss = criterion(predicted_label, label)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 0.1)
        optimizer.step()
        total_acc += (predicted_label.argmax(1) == label).sum().item()
        total_count += label.size(0)
    scheduler.step()
    print("| epoch {:3d} | accuracy {:8.3f} | loss {:.4f} | lr {:.4f}".format(
        epoch, total_acc / total_count, loss.item(), scheduler.get_last_lr()[0]))

model.eval()
with torch.no_grad():
    label, text, offsets = batch(100, 9)
    out = model(text, offsets)
    print("test accuracy", (out.argmax(1) == label).float().mean().item())
    bag = nn.EmbeddingBag.from_pretrained(model.embedding.weight, mode="max")
    print(bag(torch.tensor([[0, 1, 2], [3, 4, 5]])))
