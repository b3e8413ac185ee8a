"""The 60-minute blitz, part 1: tensors, operations and the NumPy bridge."""
import numpy as np
import torch

torch.manual_seed(0)

x = torch.Tensor(5, 3)
print(x.size(), x.dtype)
x = torch.FloatTensor(5, 3)
print(type(x.size()).__name__, len(x.size()), x.size()[0])
x = torch.rand(5, 3)
print(x.shape, bool((x >= 0).all()), bool((x < 1).all()))

x = torch.arange(15, dtype=torch.float32).reshape(5, 3) / 4
y = torch.linspace(-1, 1, 15).view(5, 3)
print(x + y)
print(torch.add(x, y))
result = torch.empty(5, 3)
torch.add(x, y, out=result)
print(result)
y.add_(x)
print(y)
print(x[:, 1])
print(x[1:3, ::2])

x = torch.arange(16.0).reshape(4, 4)
y = x.view(16)
z = x.view(-1, 8)
print(x.size(), y.size(), z.size())
x.fill_(4)
print(x.sum().item())

a = torch.arange(6.0).reshape(2, 3)
b = torch.arange(12.0).reshape(3, 4)
print(torch.mm(a, b))
print(torch.dot(torch.tensor([1.0, 2.0, 3.0]), torch.tensor([4.0, 5.0, 6.0])))
print(torch.linspace(0, 1, 5))
print(a.t(), a.t().is_contiguous())
values, indices = a.max(1)
print(a.mean(), a.sum(0), values, indices)
print(torch.cat([a, a], 0).shape, torch.stack([a, a]).shape)
print(a.unsqueeze(0).shape, a.unsqueeze(0).squeeze().shape)

# NumPy bridge: tensors share memory with arrays
a = torch.ones(5)
b = a.numpy()
a.add_(1)
print(a)
print(b)
a = np.ones(5)
b = torch.from_numpy(a)
np.add(a, 1, out=a)
print(a)
print(b)
print(b.dtype, torch.tensor([1, 2]).dtype, torch.tensor([1.5]).dtype)

if torch.cuda.is_available():
    print("cuda available")
print("ints", torch.arange(10).reshape(2, 5).sum(1))
print(torch.zeros(2, 3, dtype=torch.long))
print(torch.eye(3))
