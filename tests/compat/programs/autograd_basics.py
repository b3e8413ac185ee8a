"""The 60-minute blitz, part 2: autograd with Variable, grad_fn and backward."""
import torch
from torch.autograd import Variable

x = Variable(torch.ones(2, 2), requires_grad=True)
print(x)
y = x + 2
print(y)
print(y.grad_fn)
print(x.grad_fn)
z = y * y * 3
out = z.mean()
print(z, out)
out.backward()
print(x.grad)

x = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
y = x * 2
while y.data.norm() < 100:
    y = y * 2
print(y)
gradients = torch.tensor([0.1, 1.0, 0.0001])
y.backward(gradients)
print(x.grad)

x = Variable(torch.ones(2, 2), requires_grad=True)
y = x.sum(1)
y.backward(torch.Tensor([2, 3]))
print(x.grad)

a = torch.tensor([2.0, 3.0], requires_grad=True)
b = torch.tensor([6.0, 4.0], requires_grad=True)
q = 3 * a ** 3 - b ** 2
q.sum().backward()
print(a.grad, b.grad)
print(a.requires_grad, (a * 2).requires_grad)
with torch.no_grad():
    print((a * 2).requires_grad)
print(a.detach().requires_grad)

w = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
loss = (w @ torch.tensor([1.0, -1.0])).pow(2).sum()
(g,) = torch.autograd.grad(loss, w, create_graph=True)
print(g.detach())
g.sum().backward()
print(w.grad)

fn = loss.grad_fn
print(fn.name())
print([type(f).__name__ for f, _ in fn.next_functions])
